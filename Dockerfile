# Builds bin/pipeline's distribution and runs any of its commands: worker, simulator, submit, status.
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY pom.xml .
COPY pipeline-core pipeline-core
COPY pipeline-kafka-embedded pipeline-kafka-embedded
COPY pipeline-simulator pipeline-simulator
COPY pipeline-worker pipeline-worker
COPY pipeline-producer pipeline-producer
COPY pipeline-bench pipeline-bench
COPY pipeline-cli pipeline-cli
COPY pipeline-it/pom.xml pipeline-it/pom.xml
RUN mvn -B -ntp -q -DskipTests package -pl pipeline-cli -am

FROM eclipse-temurin:17-jre
RUN useradd --system --uid 10001 pipeline
WORKDIR /app
COPY --from=build /src/pipeline-cli/target/lib /app/lib
COPY --from=build /src/pipeline-cli/target/pipeline-cli-0.1.0-SNAPSHOT.jar /app/pipeline.jar
USER pipeline
ENV JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=75"
ENTRYPOINT ["java", "-cp", "/app/pipeline.jar:/app/lib/*", "dev.llmbatch.cli.Main"]
CMD ["help"]
