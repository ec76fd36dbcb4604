package dev.llmbatch.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmbatch.core.job.Job;
import dev.llmbatch.simulator.Simulator;
import dev.llmbatch.simulator.SimulatorConfig;
import dev.llmbatch.worker.Worker;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import com.fasterxml.jackson.databind.JsonNode;
import dev.llmbatch.core.json.Json;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A backlog far larger than the in-flight limit stays in Kafka: the worker pauses instead of buffering it. */
class BackpressureIT {
    static Cluster cluster;
    static final String SIM = """
            time-scale: 10
            api-keys: [it-key]
            regions:
              - name: swedencentral
                latency: {rtt-ms: 5, ttft-ms: 100, tps: 500}
                deployments: [{name: gpt-4o-mini, model: gpt-4o-mini-2024-07-18, tpm: 450000, rpm: 300}]
            """;
    static final int MAX_IN_FLIGHT = 40;
    static final int MAX_POLL = 25;

    @BeforeAll
    static void start() {
        cluster = Cluster.shared();
    }


    @Test
    void backlogFarAboveInFlightLimit_intakePauses_inFlightStaysBounded_backlogStaysInKafka() throws Exception {
        Cluster.Topics t = cluster.topics(2);
        List<Job> jobs = new ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            jobs.add(Jobs.job("bp", i));
        }
        HttpClient http = HttpClient.newHttpClient();
        try (Simulator sim = Simulator.start(SimulatorConfig.parse(SIM));
                // Packing off: the quota must bind per job, so the backlog drains slowly enough to be observed.
                Worker worker = cluster.startWorker(Cluster.workerYaml(sim, t, 10, "max-in-flight: " + MAX_IN_FLIGHT)
                        .replace("    max-request-tokens: 1024\n", "    max-request-tokens: 1024\n"
                                + "    batching: {enabled: false}\n")
                        .replace("group: " + t.group() + "}", "group: " + t.group() + ", max-poll-records: "
                                + MAX_POLL + "}"), sim)) {
            cluster.produce(t.jobs(), Jobs.records(jobs));
            AtomicInteger maxInFlight = new AtomicInteger();
            AtomicInteger pausedSeen = new AtomicInteger();
            AtomicLong results = new AtomicLong();
            String base = "http://127.0.0.1:" + worker.adminPort();
            Awaitility.await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(50)).until(() -> {
                JsonNode status = Json.mapper().readTree(get(http, base + "/status.json"));
                maxInFlight.accumulateAndGet(status.path("in_flight").asInt(), Math::max);
                if (status.path("paused").asBoolean()) {
                    pausedSeen.incrementAndGet();
                }
                results.set(status.path("results").path("succeeded").asLong());
                return results.get() >= 300;
            });
            assertThat(pausedSeen.get()).as("intake was seen paused").isPositive();
            assertThat(maxInFlight.get()).as("jobs held in memory").isPositive()
                    .isLessThanOrEqualTo(MAX_IN_FLIGHT + MAX_POLL);
            assertThat(get(http, base + "/metrics")).contains("llm_intake_pauses_total");
            assertThat(get(http, base + "/health")).contains("\"status\":\"up\"");
            long lag = lag(t);
            System.out.printf("backpressure: results=%d maxInFlight=%d pausedSamples=%d lag=%d sim=%s%n", results.get(),
                    maxInFlight.get(), pausedSeen.get(), lag, sim.stats("swedencentral").deployment("gpt-4o-mini"));
            assertThat(lag).as("the backlog waits in Kafka, not in the worker")
                    .isGreaterThan(jobs.size() - results.get() - MAX_IN_FLIGHT - MAX_POLL - 1);
        }
    }

    private static String get(HttpClient http, String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    private long lag(Cluster.Topics t) throws Exception {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.kafka.bootstrapServers());
        try (Admin admin = Admin.create(p)) {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(t.group())
                    .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
            Map<TopicPartition, OffsetSpec> latest = new java.util.HashMap<>();
            // Every partition of the topic: one with no commit yet has its whole backlog as lag.
            admin.describeTopics(List.of(t.jobs())).allTopicNames().get(30, TimeUnit.SECONDS).get(t.jobs())
                    .partitions().forEach(pi -> latest.put(new TopicPartition(t.jobs(), pi.partition()),
                            OffsetSpec.latest()));
            long end = 0;
            for (var e : admin.listOffsets(latest).all().get(30, TimeUnit.SECONDS).entrySet()) {
                end += e.getValue().offset();
            }
            long done = committed.values().stream().mapToLong(OffsetAndMetadata::offset).sum();
            return end - done;
        }
    }
}
