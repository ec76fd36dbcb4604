package dev.llmbatch.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmbatch.core.job.ChatMessage;
import dev.llmbatch.core.job.Job;
import dev.llmbatch.core.result.JobResult;
import dev.llmbatch.core.result.Status;
import dev.llmbatch.simulator.FakeModel;
import dev.llmbatch.simulator.Simulator;
import dev.llmbatch.simulator.SimulatorConfig;
import dev.llmbatch.worker.Worker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The whole path: jobs topic -> worker -> three simulated regions over HTTP -> results topic. */
class EndToEndIT {
    static Cluster cluster;

    static final String SIM = """
            time-scale: 20
            seed: 7
            api-keys: [it-key]
            regions:
              - name: swedencentral
                latency: {rtt-ms: 10, ttft-ms: 150, tps: 200, multiplier: 0.6}
                deployments: [{name: gpt-4o-mini, model: gpt-4o-mini-2024-07-18, tpm: 450000, rpm: 2700}]
              - name: eastus
                latency: {rtt-ms: 30, ttft-ms: 200, tps: 150}
                deployments: [{name: gpt-4o-mini, model: gpt-4o-mini-2024-07-18, tpm: 150000, rpm: 900}]
              - name: westeurope
                latency: {rtt-ms: 20, ttft-ms: 300, tps: 100, multiplier: 1.8}
                deployments: [{name: gpt-4o-mini, model: gpt-4o-mini-2024-07-18, tpm: 60000, rpm: 360}]
            """;

    @BeforeAll
    static void start() {
        cluster = Cluster.shared();
    }


    static String expectedOutput(Job job) {
        if (job.task() != null) {
            return FakeModel.reply("Classify the sentiment of the review as positive, negative or neutral.",
                    job.input());
        }
        String system = job.messages().stream().filter(m -> m.role().equals("system")).map(ChatMessage::content)
                .collect(Collectors.joining("\n"));
        String user = job.messages().get(job.messages().size() - 1).content();
        return FakeModel.reply(system, user);
    }

    @Test
    void twoThousandJobs_eachGetsExactlyOneResult_outputEqualsFakeModel() throws Exception {
        Cluster.Topics t = cluster.topics(4);
        List<Job> jobs = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            jobs.add(Jobs.job("e2e", i));
        }
        Set<String> ids = jobs.stream().map(Job::id).collect(Collectors.toSet());
        try (Simulator sim = Simulator.start(SimulatorConfig.parse(SIM))) {
            try (Worker worker = cluster.startWorker(Cluster.workerYaml(sim, t, 20, null), sim)) {
                cluster.produce(t.jobs(), Jobs.records(jobs));
                cluster.awaitResults(t.results(), Cluster.allOf(ids), Duration.ofMinutes(3));
            }
            Map<String, List<JobResult>> results = cluster.allResults(t.results());
            assertThat(results.keySet()).isEqualTo(ids);
            for (Job job : jobs) {
                List<JobResult> rs = results.get(job.id());
                assertThat(rs).as("results for %s", job.id()).hasSize(1);
                JobResult r = rs.get(0);
                assertThat(r.status()).as("status of %s: %s", job.id(), r.error()).isEqualTo(Status.SUCCEEDED);
                assertThat(r.output()).as("output of %s", job.id()).isEqualTo(expectedOutput(job));
                assertThat(r.region()).isIn(sim.regions());
                assertThat(r.attempts()).isGreaterThanOrEqualTo(1);
                assertThat(r.trace()).last().asString().endsWith(":200");
            }
            long jobsServed = sim.regions().stream()
                    .mapToLong(r -> sim.stats(r).deployment("gpt-4o-mini").admittedJobs()).sum();
            assertThat(jobsServed).as("jobs answered by the regions, packed or not").isGreaterThanOrEqualTo(2000);
            assertThat(cluster.readAll(t.dlq())).isEmpty();
        }
    }
}
