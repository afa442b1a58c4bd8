#!/usr/bin/env bash
# Validates the compose files with a real compose implementation (Debian's docker-compose 1.29 or the Docker CLI
# plugin); no Docker engine is needed for `config`. The JUnit ComposeFileTest checks the same files against the
# Compose Specification's schema without any binary.
#   deploy/check-compose.sh
set -euo pipefail
cd "$(dirname "$0")/.."
if command -v docker-compose >/dev/null 2>&1; then
  compose=(docker-compose)
elif docker compose version >/dev/null 2>&1; then
  compose=(docker compose)
else
  echo "no compose implementation: apt-get install -y docker-compose (Debian) or install the Docker compose plugin" >&2
  exit 2
fi
"${compose[@]}" -f docker-compose.yml config -q
"${compose[@]}" -f docker-compose.yml -f docker-compose.gpu.yml config -q
"${compose[@]}" -f docker-compose.yml --profile ui config -q
"${compose[@]}" -f docker-compose.yml --profile monitoring config -q
services=$("${compose[@]}" -f docker-compose.yml --profile ui --profile monitoring config --services | sort | tr '\n' ' ')
expected="demo-producer grafana kafka kafka-init kafka-ui prometheus streamer "
if [[ "$services" != "$expected" ]]; then
  echo "compose services are '$services', expected '$expected'" >&2
  exit 1
fi
echo "compose files valid: docker-compose.yml, + docker-compose.gpu.yml, + profiles ui and monitoring ($("${compose[@]}" version --short 2>/dev/null || true))"
