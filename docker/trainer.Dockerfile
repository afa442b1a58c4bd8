# syntax=docker/dockerfile:1.7
# nli-trainer on CUDA: DJL's PyTorch 2.5.1 + CUDA 12.4 natives (the `gpu` Maven profile) train, evaluate and export.
#   docker build -f docker/trainer.Dockerfile -t nli-trainer:0.1.0-gpu .
#   docker run --gpus all -v "$PWD/work:/work" nli-trainer:0.1.0-gpu train --help
# Mount /work for checkpoints, bundles and the caches (Hugging Face hub, DJL natives).
ARG JDK_IMAGE=eclipse-temurin:17-jdk-jammy
ARG JRE_IMAGE=eclipse-temurin:17-jre-jammy
ARG CUDA_IMAGE=nvidia/cuda:12.4.1-cudnn-runtime-ubuntu22.04

FROM ${JDK_IMAGE} AS build
WORKDIR /src
COPY . .
# The offline demo bundle (a package-phase export of a random-weight model) has no place in this image.
RUN --mount=type=cache,target=/root/.m2 \
    ./mvnw -B -ntp -Pgpu -pl trainer -am package -DskipTests -Dnli.demo.skip=true

FROM ${JRE_IMAGE} AS jre

FROM ${CUDA_IMAGE} AS runtime
ENV JAVA_HOME=/opt/java/openjdk
ENV PATH="${JAVA_HOME}/bin:${PATH}"
COPY --from=jre /opt/java/openjdk /opt/java/openjdk
RUN groupadd --system --gid 1001 nli \
 && useradd --system --uid 1001 --gid 1001 --home-dir /work --no-create-home --shell /usr/sbin/nologin nli \
 && mkdir -p /work \
 && chown 1001:1001 /work
COPY --from=build /src/trainer/target/nli-trainer.jar /app/nli-trainer.jar
COPY --from=build /src/trainer/target/lib/ /app/lib/
ENV HOME=/work \
    HF_HOME=/work/.cache/huggingface \
    DJL_CACHE_DIR=/work/.cache/djl \
    JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError"
WORKDIR /work
USER 1001:1001
ENTRYPOINT ["java", "-jar", "/app/nli-trainer.jar"]
CMD ["--help"]
