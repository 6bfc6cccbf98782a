#!/usr/bin/env python3
"""Static checks of the Docker files that no schema or linter knows about (CI has no Docker
engine, so the image is never built there): the promises the README makes about
docker-compose.yaml and the Dockerfile, and that what the Dockerfile copies is in the build
context. Run by .ci/run from the repository root; needs ruamel.yaml (installed there with
check-jsonschema). Prints one line per failed check and exits 1 if any failed."""
import fnmatch
import re
import sys
from pathlib import Path

from ruamel.yaml import YAML

failures = []


def check(condition, message):
    if not condition:
        failures.append(message)


compose = YAML(typ="safe").load(Path("docker-compose.yaml").read_text())
dockerfile = Path("Dockerfile").read_text()
dockerignore = [
    line.strip().rstrip("/")
    for line in Path(".dockerignore").read_text().splitlines()
    if line.strip() and not line.startswith("#")
]
services = compose.get("services", {})
stages = re.findall(r"^FROM\s+\S+\s+AS\s+(\S+)", dockerfile, re.M | re.I)

# The names the README's commands use.
names = {name: s.get("container_name") for name, s in services.items()}
for expected in ["greenadam-services", "greenadam-postgres", "greenadam-spacex-fake"]:
    check(expected in names.values(), f"no service has container_name {expected}")

app = services.get("greenadam-services", {})
postgres = services.get("postgres", {})
fake = services.get("spacex-fake", {})

# Builds from this Dockerfile's stages; the services image is the default (last) stage.
for name, service in services.items():
    build = service.get("build")
    if build:
        target = build.get("target") if isinstance(build, dict) else None
        check(target in stages, f"{name}: build target {target!r} is not a Dockerfile stage {stages}")
    if build and "image" in service:
        check(
            service.get("pull_policy") == "build",
            f"{name}: built here but also named {service['image']!r}: Compose would pull that name first",
        )
check(stages and stages[-1] == "services", f"the last Dockerfile stage is {stages[-1:]}, not services")
check(fake.get("profiles") == ["offline"], "spacex-fake is not in (only) the offline profile")
fake_dep = app.get("depends_on", {}).get("spacex-fake", {})
check(fake_dep.get("required") is False, "greenadam-services must not require spacex-fake")
check(
    app.get("depends_on", {}).get("postgres", {}).get("condition") == "service_healthy",
    "greenadam-services does not wait for a healthy postgres",
)
check("./config.yaml:/app/config.yaml:ro" in app.get("volumes", []), "config.yaml is not mounted read-only")
check("healthcheck" in postgres, "postgres has no healthcheck")
# .env holds the Postgres credentials: the services get named variables only.
check("env_file" not in app, "greenadam-services takes an env_file: all of .env would reach it")

# Postgres on 127.0.0.1 only, by default.
for port in postgres.get("ports", []):
    check(str(port).startswith("127.0.0.1:"), f"postgres port {port!r} is not bound to 127.0.0.1")

# No password literal: only ${VAR} interpolation, with an empty default at most.
for name, service in services.items():
    env = service.get("environment", {})
    for key, value in env.items():
        if "PASSWORD" in key:
            check(
                re.fullmatch(r"\$\{[A-Z_]+(:-)?\}", str(value)) is not None,
                f"{name}: {key} must be ${{VAR}} or ${{VAR:-}}, not {value!r}",
            )
    url = str(env.get("DATABASE_URL", ""))
    if url:
        check(
            re.search(r"://[^@]*:\$\{POSTGRES_PASSWORD(:-)?\}@", url) is not None,
            f"{name}: DATABASE_URL must take its password from ${{POSTGRES_PASSWORD}}",
        )
    for env_file in service.get("env_file", []):
        check(
            isinstance(env_file, dict) and env_file.get("required") is False,
            f"{name}: env_file {env_file!r} must be optional (required: false)",
        )

# The runtime image: non-root, SIGTERM, the promised paths.
services_stage = dockerfile.split("AS services", 1)[-1]
users = re.findall(r"^USER\s+(\S+)", services_stage, re.M)
check(users and users[-1].split(":")[0] not in ("root", "0"), "the services stage does not run as non-root")
check(re.search(r"^STOPSIGNAL\s+SIGTERM", services_stage, re.M), "the services stage has no STOPSIGNAL SIGTERM")
for path in ["/app/bin/", "/app/config.yaml", "/app/supervisord.conf"]:
    check(path in services_stage, f"the services stage does not install {path}")


# Everything COPY'd from the context exists and is not excluded by .dockerignore.
def ignored(path):
    excluded = False
    for pattern in dockerignore:
        negate = pattern.startswith("!")
        pattern = pattern.lstrip("!")
        parts = Path(path).parts
        prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
        if any(fnmatch.fnmatch(prefix, pattern) for prefix in prefixes):
            excluded = not negate
    return excluded


for match in re.finditer(r"^COPY\s+(?!--from)(.+)$", dockerfile, re.M):
    sources = match.group(1).split()[:-1]
    for source in sources:
        if source in (".", "./"):
            continue
        check(Path(source).exists(), f"COPY {source}: no such file")
        check(not ignored(source), f"COPY {source}: excluded by .dockerignore")
for needed in ["Cargo.toml", "Cargo.lock", "crates/extractor/src/main.rs", "migrations", "config.yaml"]:
    check(not ignored(needed), f"{needed} is excluded by .dockerignore")
for unwanted in ["target", ".git", ".env"]:
    check(ignored(unwanted), f"{unwanted} is not excluded by .dockerignore")

for failure in failures:
    print(f"FAILED: {failure}")
if failures:
    sys.exit(1)
print(f"docker files: all checks passed (stages: {', '.join(stages)})")
