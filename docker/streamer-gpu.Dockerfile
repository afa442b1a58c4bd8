# syntax=docker/dockerfile:1.7
# nli-streamer, GPU flavour: ONNX Runtime's CUDA provider (onnxruntime_gpu 1.22, the `gpu` Maven profile) on CUDA 12
# with cuDNN 9. It falls back to CPU when no GPU is visible, and says so at start.
#   docker build -f docker/streamer-gpu.Dockerfile -t nli-streamer:0.1.0-gpu .
#   docker run --gpus all ... nli-streamer:0.1.0-gpu
ARG JDK_IMAGE=eclipse-temurin:17-jdk-jammy
ARG JRE_IMAGE=eclipse-temurin:17-jre-jammy
ARG CUDA_IMAGE=nvidia/cuda:12.4.1-cudnn-runtime-ubuntu22.04

FROM ${JDK_IMAGE} AS build
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/root/.m2 \
    ./mvnw -B -ntp -Pgpu -pl streamer -am package -DskipTests

# Only its JRE is taken: the CUDA image has no Java.
FROM ${JRE_IMAGE} AS jre

FROM ${CUDA_IMAGE} AS runtime
ARG BUNDLE_DIR=docker/no-bundle
ENV JAVA_HOME=/opt/java/openjdk
ENV PATH="${JAVA_HOME}/bin:${PATH}"
COPY --from=jre /opt/java/openjdk /opt/java/openjdk
RUN groupadd --system --gid 1001 nli \
 && useradd --system --uid 1001 --gid 1001 --home-dir /app --no-create-home --shell /usr/sbin/nologin nli \
 && mkdir -p /var/lib/nli-streamer/state \
 && chown 1001:1001 /var/lib/nli-streamer/state
WORKDIR /app
COPY --from=build /src/streamer/target/quarkus-app/lib/ /app/lib/
COPY --from=build /src/streamer/target/quarkus-app/*.jar /app/
COPY --from=build /src/streamer/target/quarkus-app/app/ /app/app/
COPY --from=build /src/streamer/target/quarkus-app/quarkus/ /app/quarkus/
COPY ${BUNDLE_DIR}/ /models/bundle/
COPY --chmod=0755 docker/healthcheck.sh /usr/local/bin/nli-healthcheck
ENV NLI_BUNDLE_PATH=/models/bundle \
    NLI_INFERENCE_PROVIDER=auto \
    KAFKA_STREAMS_STATE_DIR=/var/lib/nli-streamer/state \
    DJL_CACHE_DIR=/tmp/djl-cache \
    HOME=/tmp \
    JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=60 -XX:+ExitOnOutOfMemoryError -Dai.djl.offline=true"
USER 1001:1001
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=5s --start-period=180s --retries=3 \
  CMD ["/usr/local/bin/nli-healthcheck", "/q/health/ready"]
ENTRYPOINT ["java", "-jar", "/app/quarkus-run.jar"]
