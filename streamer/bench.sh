#!/usr/bin/env bash
# Streamer benchmark (prints figures; not a test). From the repository root:
#   streamer/bench.sh                      camemberta-base-shaped random model (built once under streamer/target/bench)
#   streamer/bench.sh path/to/bundle       any bundle
# Env: PAIRS (256), PER_RECORD_PAIRS (48), LATENCY_SECONDS (40); JAVA_FLAGS adds JVM flags (e.g.
#   -Dbench.partitions=6 -Dbench.service.ms=10 -Dbench.stream.threads=1, or
#   -XX:StartFlightRecording=filename=bench.jfr). Figures 1-5 of docs/streamer.md (Benchmark) for 1 and 2 inference
#   workers.
# Needs ../shared/data/xnli-fr (read, not copied).
set -euo pipefail
cd "$(dirname "$0")/.."
SHARED=${NLI_SHARED_DIR:-$(pwd)/../shared}
./mvnw -B -q -pl trainer,streamer -am package -DskipTests
# sibling modules resolve to their target/classes inside this reactor (no install needed)
./mvnw -B -q -pl streamer -am test-compile dependency:build-classpath -Dmdep.includeScope=test \
  -Dmdep.outputFile=target/bench-classpath.txt
CP="streamer/target/test-classes:streamer/target/classes:$(cat streamer/target/bench-classpath.txt)"
JAVA_OPTS="-Dai.djl.offline=true -Dnli.fixtures.dir=$(pwd)/fixtures -Dnli.shared.dir=$SHARED -Xmx6g ${JAVA_FLAGS:-}"
export DJL_CACHE_DIR=${DJL_CACHE_DIR:-$(pwd)/streamer/target/djl-cache}

BUNDLE=${1:-}
if [[ -z "$BUNDLE" ]]; then
  CKPT=streamer/target/bench/camemberta-base-random
  BUNDLE=streamer/target/bench/camemberta-base-random-bundle
  if [[ ! -f "$BUNDLE/nli-bundle.json" ]]; then
    java $JAVA_OPTS -cp "$CP" io.nlistream.streamer.bench.RandomBaseCheckpoint "$CKPT"
    java -Dai.djl.offline=true -jar trainer/target/nli-trainer.jar export --model="$CKPT" --out="$BUNDLE" \
      --name=camemberta-base-random --version=bench --base-model="camemberta-base shape, random weights" --force
  fi
fi
java $JAVA_OPTS -cp "$CP" io.nlistream.streamer.bench.StreamerBenchmark "$BUNDLE" "${PAIRS:-256}" \
  "${PER_RECORD_PAIRS:-48}" "${LATENCY_SECONDS:-40}" 2>&1 | grep -v " INFO \| WARN \|^\s*at "
