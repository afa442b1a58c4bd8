#!/usr/bin/env bash
# Checks the monitoring files with Prometheus' own promtool: the compose profile's scrape config, and every PromQL
# expression of the Grafana dashboard parsed by Prometheus' parser (written out as recording rules, Grafana's
# variables replaced by values of their kind). The streamer's DashboardMetricsTest checks that the metrics they
# read are exported; this checks that the expressions themselves are valid PromQL.
#   deploy/check-monitoring.sh          (needs promtool: apt-get install prometheus; and python3)
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v promtool >/dev/null 2>&1; then
  echo "no promtool: apt-get install -y --no-install-recommends prometheus (Debian), or put promtool on the PATH" >&2
  exit 2
fi
dashboard=helm/nli-streamer/dashboards/nli-streamer.json
promtool check config monitoring/prometheus/prometheus.yml
rules=$(mktemp --suffix=.yml)
trap 'rm -f "$rules"' EXIT
python3 - "$dashboard" > "$rules" <<'PY'
import json, re, sys

# Grafana variables, by the kind of value Grafana puts in their place.
VARIABLES = {"__rate_interval": "1m", "__interval": "1m", "__range": "1h"}

def substitute(expr):
    return re.sub(r"\$\{(\w+)[^}]*\}|\$(\w+)", lambda m: VARIABLES.get(m.group(1) or m.group(2), ".*"), expr)

def panels(nodes):
    for p in nodes:
        yield p
        yield from panels(p.get("panels", []))

exprs = []
for p in panels(json.load(open(sys.argv[1]))["panels"]):
    for t in p.get("targets", []):
        if t.get("expr"):
            exprs.append((p["title"], t.get("refId", "?"), substitute(t["expr"])))
if not exprs:
    sys.exit("no PromQL expression found in " + sys.argv[1])
print("groups:\n  - name: dashboard\n    rules:")
for i, (title, ref, expr) in enumerate(exprs):
    print(f"      - record: dashboard:expr_{i}")
    print(f"        expr: {json.dumps(expr)}")
    print(f"        labels: {{panel: {json.dumps(title)}, ref: {json.dumps(ref)}}}")
PY
if ! promtool check rules "$rules"; then
  echo "in $dashboard: the expressions, as numbered above (panel title and refId in the labels):" >&2
  grep -A2 'record:' "$rules" >&2
  exit 1
fi
echo "monitoring files valid: prometheus.yml, $(grep -c 'record:' "$rules") dashboard expressions ($(promtool --version 2>&1 | head -1))"
