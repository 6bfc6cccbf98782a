#!/usr/bin/env bash
# Entry point of the greenadam-services image: chooses the SpaceX API, then execs its
# arguments (supervisord, PID 1, so `docker stop`'s SIGTERM reaches it directly).
#
# SPACEX_API_URL, when set (e.g. in .env), wins. Otherwise, when the host of the offline
# profile's fake API resolves (GREENADAM_OFFLINE_API_HOST, `spacex-fake`: only when
# `docker compose --profile offline up -d` started that container), the services use it
# (GREENADAM_OFFLINE_API_URL). Otherwise config.yaml's `api.url` applies.
set -euo pipefail

if [ -n "${SPACEX_API_URL:-}" ]; then
    echo "greenadam: SPACEX_API_URL is set: the services use ${SPACEX_API_URL}"
elif [ -n "${GREENADAM_OFFLINE_API_HOST:-}" ] && [ -n "${GREENADAM_OFFLINE_API_URL:-}" ] \
    && getent hosts "${GREENADAM_OFFLINE_API_HOST}" >/dev/null 2>&1; then
    export SPACEX_API_URL=${GREENADAM_OFFLINE_API_URL}
    echo "greenadam: offline profile: ${GREENADAM_OFFLINE_API_HOST} is up, the services use ${SPACEX_API_URL}"
else
    echo "greenadam: the services use api.url from ${GREENADAM_CONFIG:-config.yaml}"
fi

exec "$@"
