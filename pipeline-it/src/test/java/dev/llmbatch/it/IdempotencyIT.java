package dev.llmbatch.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmbatch.core.job.Job;
import dev.llmbatch.core.result.JobResult;
import dev.llmbatch.core.result.Status;
import dev.llmbatch.simulator.Simulator;
import dev.llmbatch.simulator.SimulatorConfig;
import dev.llmbatch.worker.Worker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Idempotency by job id, through the real path: a job id submitted again gets the earlier answer without a call to
 * any region, also when the copy arrives while the first is still in flight, and also after the worker restarted
 * (the answers are read back from the results topic). The regions' own counters prove that no call was made.
 */
class IdempotencyIT {
    static Cluster cluster;
    static final String SIM = """
            time-scale: 20
            api-keys: [it-key]
            regions:
              - name: swedencentral
                latency: {rtt-ms: 10, ttft-ms: 300, tps: 200}
                deployments: [{name: gpt-4o-mini, model: gpt-4o-mini-2024-07-18, tpm: 450000, rpm: 2700}]
              - name: eastus
                latency: {rtt-ms: 10, ttft-ms: 300, tps: 200}
                deployments: [{name: gpt-4o-mini, model: gpt-4o-mini-2024-07-18, tpm: 450000, rpm: 2700}]
            """;

    @BeforeAll
    static void start() {
        cluster = Cluster.shared();
    }

    private static long jobsServed(Simulator sim) {
        return sim.regions().stream().mapToLong(r -> sim.stats(r).deployment("gpt-4o-mini").admittedJobs()).sum();
    }

    private static Job resubmitted(Job j, String submitter) {
        return new Job(j.id(), j.model(), j.messages(), j.maxTokens(), j.temperature(), j.responseFormat(), j.n(),
                j.task(), j.input(), submitter, j.batch(), j.priority(), j.deadline(), j.metadata());
    }

    @Test
    void resubmittedIds_getTheEarlierAnswerWithoutACall_inFlightCopiesJoin_andTheWindowSurvivesARestart() {
        Cluster.Topics t = cluster.topics(3);
        List<Job> first = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            first.add(Jobs.job("idem", i));
        }
        try (Simulator sim = Simulator.start(SimulatorConfig.parse(SIM))) {
            String yaml = Cluster.workerYaml(sim, t, 20, null);
            long served;
            try (Worker worker = cluster.startWorker(yaml, sim)) {
                cluster.produce(t.jobs(), Jobs.records(first));
                cluster.awaitResults(t.results(), m -> countAll(m) >= 300, Duration.ofMinutes(2));
                served = jobsServed(sim);
                assertThat(served).isGreaterThanOrEqualTo(300);

                // every id twice more, answered before: replayed, no call
                List<Job> again = new ArrayList<>();
                for (Job j : first) {
                    again.add(resubmitted(j, "again-1"));
                    again.add(resubmitted(j, "again-2"));
                }
                cluster.produce(t.jobs(), Jobs.records(again));
                Map<String, List<JobResult>> m = cluster.awaitResults(t.results(), x -> countAll(x) >= 900,
                        Duration.ofMinutes(2));
                assertThat(jobsServed(sim)).as("no region was called for a replayed id").isEqualTo(served);
                for (Job j : first) {
                    List<JobResult> rs = m.get(j.id());
                    assertThat(rs).hasSize(3);
                    assertThat(rs).extracting(JobResult::output).containsOnly(rs.get(0).output());
                    assertThat(rs.subList(1, 3)).allSatisfy(r -> {
                        assertThat(r.trace()).containsExactly("replay");
                        assertThat(r.status()).isEqualTo(Status.SUCCEEDED);
                    });
                    assertThat(rs.subList(1, 3)).extracting(JobResult::submitter)
                            .containsExactlyInAnyOrder("again-1", "again-2");
                }

                // new ids, each written twice in a row: the copy joins the one in flight; one call per id
                List<Job> twins = new ArrayList<>();
                for (int i = 0; i < 100; i++) {
                    Job j = Jobs.job("twin", i);
                    twins.add(j);
                    twins.add(resubmitted(j, "twin-copy"));
                }
                cluster.produce(t.jobs(), Jobs.records(twins));
                m = cluster.awaitResults(t.results(), x -> countAll(x) >= 1100, Duration.ofMinutes(2));
                assertThat(jobsServed(sim) - served).as("one call per twin pair").isEqualTo(100);
                for (int i = 0; i < 100; i++) {
                    List<JobResult> rs = m.get("twin-" + i);
                    assertThat(rs).hasSize(2);
                    assertThat(rs.get(0).output()).isEqualTo(rs.get(1).output()).isNotNull();
                }
                served = jobsServed(sim);
            }

            // a new worker (same group): the answers are read back from the results topic
            try (Worker worker = cluster.startWorker(yaml, sim)) {
                List<Job> third = new ArrayList<>();
                for (Job j : first) {
                    third.add(resubmitted(j, "after-restart"));
                }
                cluster.produce(t.jobs(), Jobs.records(third));
                Map<String, List<JobResult>> m = cluster.awaitResults(t.results(), x -> countAll(x) >= 1400,
                        Duration.ofMinutes(2));
                assertThat(jobsServed(sim)).as("no call after the restart either").isEqualTo(served);
                for (Job j : first) {
                    assertThat(m.get(j.id())).hasSize(4).last().satisfies(r ->
                            assertThat(r.trace()).containsExactly("replay"));
                }
            }
        }
        assertThat(countAll(cluster.allResults(t.results()))).as("one result per record, no more").isEqualTo(1400);
    }

    private static int countAll(Map<String, List<JobResult>> m) {
        return m.values().stream().mapToInt(List::size).sum();
    }
}
