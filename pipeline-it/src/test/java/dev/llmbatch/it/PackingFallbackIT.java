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
 * instead of paying for failed packed requests, and every job still gets its own correct answer.
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
        try (Simulator sim = Simulator.start(SimulatorConfig.parse(BatchingIT.SIM))) {
            sim.regions().forEach(r -> sim.setPacking(r, "gpt-4o-mini", PackingMode.IGNORE));
            String yaml = Cluster.workerYaml(sim, t, 20, null).replace("    max-request-tokens: 1024\n",
                    "    max-request-tokens: 1024\n    batching: {enabled: true, max-items: 16, max-wait-ms: 20}\n");
            try (Worker worker = cluster.startWorker(yaml, sim)) {
                cluster.produce(t.jobs(), Jobs.records(jobs));
                cluster.awaitResults(t.results(), Cluster.allOf(ids), Duration.ofMinutes(3));
                stopped = (long) worker.metrics().gaugeValue("llm_packing_stopped", "pool", "gpt-4o-mini");
            }
            for (String r : sim.regions()) {
                requests += sim.stats(r).deployment("gpt-4o-mini").accepted();
            }
        }
        Map<String, List<JobResult>> all = cluster.allResults(t.results());
        assertThat(all.keySet()).isEqualTo(ids);
        for (Job j : jobs) {
            List<JobResult> rs = all.get(j.id());
            assertThat(rs).as("results for %s", j.id()).hasSize(1);
            assertThat(rs.get(0).status()).isEqualTo(Status.SUCCEEDED);
            assertThat(rs.get(0).output()).as("output of %s", j.id()).isEqualTo(EndToEndIT.expectedOutput(j));
        }
        assertThat(stopped).as("packing stopped for the pool").isEqualTo(1);
        assertThat(requests).as("requests for 1,000 jobs (unpacked: 1,000)").isLessThanOrEqualTo(1_050);
    }
}
