# syntax=docker/dockerfile:1.7
# nli-streamer, CPU flavour: Quarkus fast-jar on a slim JRE 17, ONNX Runtime's CPU provider.
#   docker build -f docker/streamer.Dockerfile -t nli-streamer:0.1.0 .
#   docker build -f docker/streamer.Dockerfile --build-arg BUNDLE_DIR=trainer/target/demo-bundle -t nli-streamer:0.1.0-demo .
ARG JDK_IMAGE=eclipse-temurin:17-jdk-jammy
ARG JRE_IMAGE=eclipse-temurin:17-jre-jammy

FROM ${JDK_IMAGE} AS build
WORKDIR /src
COPY . .
# The cache mount keeps ~/.m2 between builds; tests run in CI, not in the image build.
RUN --mount=type=cache,target=/root/.m2 \
    ./mvnw -B -ntp -pl streamer -am package -DskipTests

FROM ${JRE_IMAGE} AS runtime
# A directory of the build context with a model bundle to bake in; the default holds no bundle (mount one instead).
ARG BUNDLE_DIR=docker/no-bundle
RUN groupadd --system --gid 1001 nli \
 && useradd --system --uid 1001 --gid 1001 --home-dir /app --no-create-home --shell /usr/sbin/nologin nli \
 && mkdir -p /var/lib/nli-streamer/state \
 && chown 1001:1001 /var/lib/nli-streamer/state
WORKDIR /app
# Application files stay root-owned: the process can read but never rewrite them.
COPY --from=build /src/streamer/target/quarkus-app/lib/ /app/lib/
COPY --from=build /src/streamer/target/quarkus-app/*.jar /app/
COPY --from=build /src/streamer/target/quarkus-app/app/ /app/app/
COPY --from=build /src/streamer/target/quarkus-app/quarkus/ /app/quarkus/
COPY ${BUNDLE_DIR}/ /models/bundle/
COPY --chmod=0755 docker/healthcheck.sh /usr/local/bin/nli-healthcheck
ENV NLI_BUNDLE_PATH=/models/bundle \
    KAFKA_STREAMS_STATE_DIR=/var/lib/nli-streamer/state \
    DJL_CACHE_DIR=/tmp/djl-cache \
    HOME=/tmp \
    JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=60 -XX:+ExitOnOutOfMemoryError -Dai.djl.offline=true"
USER 1001:1001
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=5s --start-period=120s --retries=3 \
  CMD ["/usr/local/bin/nli-healthcheck", "/q/health/ready"]
ENTRYPOINT ["java", "-jar", "/app/quarkus-run.jar"]
