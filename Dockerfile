# syntax=docker/dockerfile:1
# Builds bin/pipeline's distribution and runs any of its commands: worker, simulator, submit, status, topics.
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

FROM eclipse-temurin:17-jre
RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 pipeline
WORKDIR /app
COPY --from=build /src/pipeline-cli/target/lib /app/lib
COPY --from=build /src/pipeline-cli/target/pipeline-cli-0.1.0-SNAPSHOT.jar /app/pipeline.jar
USER pipeline
ENV JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=75"
# The worker's liveness endpoint (worker.http, port 8080 in the compose file); other commands set their own check.
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
    CMD curl -fsS http://127.0.0.1:8080/health >/dev/null || exit 1
ENTRYPOINT ["java", "-cp", "/app/pipeline.jar:/app/lib/*", "dev.llmbatch.cli.Main"]
CMD ["--help"]
