#!/usr/bin/env bash
# Container HEALTHCHECK without curl in the image: one HTTP/1.0 GET over bash's /dev/tcp.
# Healthy (exit 0) only on a 200 status line; SmallRye Health answers 503 while a check is DOWN.
#   nli-healthcheck [path]   (default /q/health/ready; port from NLI_HEALTHCHECK_PORT, default 8080)
set -euo pipefail
path="${1:-/q/health/ready}"
port="${NLI_HEALTHCHECK_PORT:-8080}"
exec 3<>"/dev/tcp/127.0.0.1/${port}"
printf 'GET %s HTTP/1.0\r\nHost: localhost\r\nConnection: close\r\n\r\n' "$path" >&3
IFS= read -r -t 5 status <&3 || { echo "no answer from :${port}${path}" >&2; exit 1; }
status="${status%$'\r'}"
if [[ "$status" =~ ^HTTP/1\.[01]\ 200 ]]; then
  exit 0
fi
echo "${path}: ${status}" >&2
exit 1
