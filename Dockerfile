# syntax=docker/dockerfile:1
# Builds bin/pipeline's distribution. The default image (stage worker) runs worker, submit, status, topics and plan;
# stage tools adds the development commands (simulator, kafka, local, bench) for the compose file's simulator.
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
# Poms first: a change to the sources does not invalidate the dependency download below. The cache mount keeps
# ~/.m2 between builds, so dependencies are downloaded once per builder, not once per source change.
COPY pom.xml .
COPY pipeline-command/pom.xml pipeline-command/pom.xml
COPY pipeline-core/pom.xml pipeline-core/pom.xml
COPY pipeline-kafka-embedded/pom.xml pipeline-kafka-embedded/pom.xml
COPY pipeline-redis-embedded/pom.xml pipeline-redis-embedded/pom.xml
COPY pipeline-simulator/pom.xml pipeline-simulator/pom.xml
COPY pipeline-worker/pom.xml pipeline-worker/pom.xml
COPY pipeline-producer/pom.xml pipeline-producer/pom.xml
COPY pipeline-bench/pom.xml pipeline-bench/pom.xml
COPY pipeline-cli/pom.xml pipeline-cli/pom.xml
COPY pipeline-it/pom.xml pipeline-it/pom.xml
RUN --mount=type=cache,target=/root/.m2 \
    mvn -B -ntp -q dependency:go-offline -pl pipeline-cli -am -DexcludeGroupIds=dev.llmbatch || true
COPY pipeline-command pipeline-command
COPY pipeline-core pipeline-core
COPY pipeline-kafka-embedded pipeline-kafka-embedded
COPY pipeline-redis-embedded pipeline-redis-embedded
COPY pipeline-simulator pipeline-simulator
COPY pipeline-worker pipeline-worker
COPY pipeline-producer pipeline-producer
COPY pipeline-bench pipeline-bench
COPY pipeline-cli pipeline-cli
RUN --mount=type=cache,target=/root/.m2 mvn -B -ntp -q -Dmaven.test.skip=true package -pl pipeline-cli -am

# The runtime shared by both images: a JRE, curl for the healthchecks, a non-root user, the CLI jar and target/lib,
# the runtime set of worker, submit, status, topics and plan (no broker, simulator or benchmarks: see pipeline-cli's
# pom; RuntimeLibIT checks this directory).
FROM eclipse-temurin:17-jre AS runtime
RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 pipeline
WORKDIR /app
COPY --from=build /src/pipeline-cli/target/lib /app/lib
COPY --from=build /src/pipeline-cli/target/pipeline-cli-0.1.0-SNAPSHOT.jar /app/pipeline.jar
ENV JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=75"

# The development commands too (simulator, kafka, local, bench): target/lib-dev on top of the runtime set. The
# compose file's simulator is built from this stage (--target tools); it is never the worker's image.
FROM runtime AS tools
COPY --from=build /src/pipeline-cli/target/lib-dev /app/lib-dev
USER pipeline
HEALTHCHECK NONE
ENTRYPOINT ["java", "-cp", "/app/pipeline.jar:/app/lib/*:/app/lib-dev/*", "dev.llmbatch.cli.Main"]
CMD ["--help"]

# The default image (the last stage): the worker, and the client commands, on the runtime set only.
FROM runtime AS worker
USER pipeline
# The worker's liveness endpoint (worker.http, port 8080 in the compose file); other commands set their own check.
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
    CMD curl -fsS http://127.0.0.1:8080/health >/dev/null || exit 1
ENTRYPOINT ["java", "-cp", "/app/pipeline.jar:/app/lib/*", "dev.llmbatch.cli.Main"]
CMD ["--help"]
