# greenadam images. `docker compose up -d` builds the default (last) stage, `services`: the
# extractor and the martmaker under supervisord. The `spacex-fake` stage is the local fake
# SpaceX API of the offline profile (`docker compose --profile offline up -d`).
#
#   planner -> deps -> build      -> services     (default target)
#                   -> build-fake -> spacex-fake
#
# Dependencies are compiled in `deps` from a skeleton of the workspace (manifests, Cargo.lock
# and empty stand-in sources: scripts/cargo-skeleton.sh), so that layer is reused as long as
# no Cargo.toml or Cargo.lock changes; editing sources rebuilds only the workspace's crates.
# No `# syntax=` line: the builder's own Dockerfile frontend is enough, and fetching another
# would make every rebuild need the registry.

ARG RUST_IMAGE=rust:1.95-bookworm
ARG RUNTIME_IMAGE=debian:bookworm-slim

# ---- planner: the dependency skeleton (cheap; its output changes only with the manifests) ----
FROM ${RUST_IMAGE} AS planner
WORKDIR /src
COPY . .
RUN bash scripts/cargo-skeleton.sh /src /skeleton

# ---- deps: every third-party crate the binaries need, compiled once ----
# (diesel's postgres backend links libpq: the rust image ships libpq-dev.)
FROM ${RUST_IMAGE} AS deps
WORKDIR /src
COPY --from=planner /skeleton/ ./
# Two builds, the same two as below: cargo unifies features per build, so building the three
# binaries together here would compile some crates with other features than the real builds.
RUN cargo build --release --locked -p extractor -p martmaker \
    && cargo build --release --locked -p spacex-fake

# ---- build: the two services from the real sources ----
FROM deps AS build
COPY . .
# COPY keeps the sources' old timestamps: make them newer than the stand-ins already built.
RUN find crates -type f -exec touch {} + \
    && cargo build --release --locked -p extractor -p martmaker

# ---- build-fake: the fake SpaceX API (fixtures are compiled into the binary) ----
FROM deps AS build-fake
COPY . .
RUN find crates -type f -exec touch {} + \
    && cargo build --release --locked -p spacex-fake

# ---- spacex-fake: the offline profile's API, http://spacex-fake:4000/ ----
FROM ${RUNTIME_IMAGE} AS spacex-fake
RUN groupadd --system --gid 10001 greenadam \
    && useradd --system --uid 10001 --gid greenadam --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin greenadam
COPY --from=build-fake /src/target/release/spacex-fake /usr/local/bin/spacex-fake
USER 10001:10001
EXPOSE 4000
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/spacex-fake"]
CMD ["--listen", "0.0.0.0:4000", "--fixtures", "original"]

# ---- services: extractor + martmaker under supervisord (default target) ----
FROM ${RUNTIME_IMAGE} AS services
# libpq5: the services' Postgres client library; supervisor: runs both and restarts them;
# ca-certificates: HTTPS to the SpaceX API.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpq5 supervisor ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 greenadam \
    && useradd --system --uid 10001 --gid greenadam --no-create-home --home-dir /app \
        --shell /usr/sbin/nologin greenadam
WORKDIR /app
COPY --from=build /src/target/release/extractor /src/target/release/martmaker /app/bin/
COPY scripts/docker-entrypoint.sh /app/bin/docker-entrypoint.sh
COPY supervisord.conf /app/supervisord.conf
# The default configuration; docker-compose.yaml mounts ./config.yaml over it.
COPY config.yaml /app/config.yaml
# Read by supervisord.conf. OFFLINE_API_* is the offline profile's fake API (see
# scripts/docker-entrypoint.sh): used when that host resolves and SPACEX_API_URL is not set.
ENV GREENADAM_BIN_DIR=/app/bin \
    GREENADAM_CONFIG=/app/config.yaml \
    GREENADAM_RUN_DIR=/tmp \
    GREENADAM_OFFLINE_API_HOST=spacex-fake \
    GREENADAM_OFFLINE_API_URL=http://spacex-fake:4000/
USER 10001:10001
# supervisord forwards SIGTERM to both services, which stop within 4 s (SIGKILL after 10 s:
# give `docker stop` more than that, as docker-compose.yaml does with stop_grace_period).
STOPSIGNAL SIGTERM
# Healthy while both services are running (a service left FATAL after repeated start failures,
# e.g. a config error, makes the container unhealthy) and `status` finds the database
# reachable and staging fresh (exit code 0), or only a failed last run or build (6: the timer
# retries it, and a failure that lasts turns into "stale", 5). Unhealthy: a config error (2),
# no database (4), stale (5), failing error checks (7). No data yet (the first extraction has
# not finished) is 5 too, covered by the start period and the retries on a first start.
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 \
    CMD ["bash", "-c", "for p in extractor martmaker; do grep -qsx \"$p\" /proc/[0-9]*/comm || exit 1; done; /app/bin/martmaker status --config \"$GREENADAM_CONFIG\" > /dev/null; code=$?; [ \"$code\" -eq 0 ] || [ \"$code\" -eq 6 ]"]
ENTRYPOINT ["/app/bin/docker-entrypoint.sh"]
CMD ["supervisord", "-c", "/app/supervisord.conf"]
