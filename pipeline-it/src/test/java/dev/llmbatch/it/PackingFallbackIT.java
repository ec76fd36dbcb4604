package dev.llmbatch.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmbatch.core.job.Job;
import dev.llmbatch.core.result.JobResult;
import dev.llmbatch.core.result.Status;
import dev.llmbatch.simulator.PackingMode;
import dev.llmbatch.simulator.Simulator;
import dev.llmbatch.simulator.SimulatorConfig;
import dev.llmbatch.worker.Worker;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A model that ignores the packing reply schema (issue 9): the pool stops packing after a few unusable replies
 * instead of paying for failed packed requests, and every job still gets its own correct answer; when the model
 * follows the schema again, a probe batch finds out and packing resumes.
 */
class PackingFallbackIT {
    static Cluster cluster;

    @BeforeAll
    static void start() {
        cluster = Cluster.shared();
    }

    @Test
    void modelIgnoresThePackingSchema_packingStopsAndCostsAtMostFivePercentExtraRequests() throws Exception {
        List<Job> jobs = BatchingIT.sentimentJobs("hostile", 1000);
        Cluster.Topics t = cluster.topics(3);
        Set<String> ids = jobs.stream().map(Job::id).collect(Collectors.toSet());
        long requests = 0;
        long stopped;
        List<Job> after = BatchingIT.sentimentJobs("resumed", 1000);
        List<Job> probes = new java.util.ArrayList<>();
        try (Simulator sim = Simulator.start(SimulatorConfig.parse(BatchingIT.SIM))) {
            sim.regions().forEach(r -> sim.setPacking(r, "gpt-4o-mini", PackingMode.IGNORE));
            String yaml = Cluster.workerYaml(sim, t, 20, null).replace("    max-request-tokens: 1024\n",
                    "    max-request-tokens: 1024\n    batching: {enabled: true, max-items: 16, max-wait-ms: 20}\n");
            try (Worker worker = cluster.startWorker(yaml, sim)) {
                cluster.produce(t.jobs(), Jobs.records(jobs));
                cluster.awaitResults(t.results(), Cluster.allOf(ids), Duration.ofMinutes(3));
                stopped = (long) worker.metrics().gaugeValue("llm_packing_stopped", "pool", "gpt-4o-mini");
                for (String r : sim.regions()) {
                    requests += sim.stats(r).deployment("gpt-4o-mini").accepted();
                }
                // The model follows the schema again: a probe batch (one per 60 s of quota time, 3 s here) finds
                // out and packing resumes.
                sim.regions().forEach(r -> sim.setPacking(r, "gpt-4o-mini", PackingMode.FOLLOW));
                org.awaitility.Awaitility.await("packing resumed").atMost(Duration.ofMinutes(1))
                        .pollInterval(Duration.ofMillis(500)).until(() -> {
                            List<Job> wave = BatchingIT.sentimentJobs("probe-" + probes.size(), 16);
                            probes.addAll(wave);
                            cluster.produce(t.jobs(), Jobs.records(wave));
                            return worker.metrics().gaugeValue("llm_packing_stopped", "pool", "gpt-4o-mini") == 0;
                        });
                cluster.produce(t.jobs(), Jobs.records(after));
                Set<String> all = new java.util.HashSet<>(ids);
                after.forEach(j -> all.add(j.id()));
                probes.forEach(j -> all.add(j.id()));
                cluster.awaitResults(t.results(), Cluster.allOf(all), Duration.ofMinutes(3));
            }
        }
        Map<String, List<JobResult>> all = cluster.allResults(t.results());
        assertThat(all.keySet()).containsAll(ids);
        for (Job j : jobs) {
            List<JobResult> rs = all.get(j.id());
            assertThat(rs).as("results for %s", j.id()).hasSize(1);
            assertThat(rs.get(0).status()).isEqualTo(Status.SUCCEEDED);
            assertThat(rs.get(0).output()).as("output of %s", j.id()).isEqualTo(EndToEndIT.expectedOutput(j));
        }
        assertThat(stopped).as("packing stopped for the pool").isEqualTo(1);
        assertThat(requests).as("requests for 1,000 jobs (unpacked: 1,000)").isLessThanOrEqualTo(1_050);
        double meanBatch = after.stream().mapToInt(j -> all.get(j.id()).get(0).batchSize()).average().orElse(0);
        assertThat(meanBatch).as("jobs after the model follows the schema again are packed").isGreaterThan(4);
        for (Job j : after) {
            assertThat(all.get(j.id())).as("results for %s", j.id()).hasSize(1);
            assertThat(all.get(j.id()).get(0).output()).isEqualTo(EndToEndIT.expectedOutput(j));
        }
    }
}
