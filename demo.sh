#!/usr/bin/env bash
# The main job in one command: build (if needed), then run the streamer in its demo profile: an in-process Kafka broker,
# the demo model bundle, the sample pairs published to nli.pairs and each classification printed.
#   ./demo.sh                          keeps serving on :8080 after printing (Ctrl+C to stop)
#   ./demo.sh -Dnli.demo.exit-after-print=true
#   NLI_BUNDLE_PATH=bundles/my-model ./demo.sh   serve another bundle
set -euo pipefail
cd "$(dirname "$0")"
if [[ ! -f streamer/target/quarkus-app/quarkus-run.jar || ! -f trainer/target/demo-bundle/nli-bundle.json ]]; then
  ./mvnw -B -q -ntp -pl trainer,streamer -am package -DskipTests
fi
exec java -Dquarkus.profile=demo "$@" -jar streamer/target/quarkus-app/quarkus-run.jar
