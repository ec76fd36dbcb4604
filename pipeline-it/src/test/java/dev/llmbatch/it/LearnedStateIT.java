package dev.llmbatch.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmbatch.core.job.Job;
import dev.llmbatch.core.result.Budget;
import dev.llmbatch.core.result.JobResult;
import dev.llmbatch.core.result.Status;
import dev.llmbatch.simulator.Simulator;
import dev.llmbatch.simulator.SimulatorConfig;
import dev.llmbatch.worker.Worker;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Learned answer lengths survive a restart (issue 9): a worker that starts after another has learned an instruction
 * reads the state topic and budgets its very first jobs; one with an empty state topic starts cold.
 */
class LearnedStateIT {
    static Cluster cluster;

    @BeforeAll
    static void start() {
        cluster = Cluster.shared();
    }

    static Map<String, JobResult> run(List<Job> jobs, String stateTopic) throws Exception {
        Cluster.Topics t = cluster.topics(1);
        Set<String> ids = jobs.stream().map(Job::id).collect(Collectors.toSet());
        try (Simulator sim = Simulator.start(SimulatorConfig.parse(AdaptiveBudgetIT.SIM))) {
            String yaml = Cluster.workerYaml(sim, t, 20, "learning: {state-topic: " + stateTopic + "}")
                    .replace("    max-request-tokens: 1024\n",
                            "    max-request-tokens: 1024\n    batching: {enabled: false}\n");
            try (Worker worker = cluster.startWorker(yaml, sim)) {
                cluster.produce(t.jobs(), Jobs.records(jobs));
                cluster.awaitResults(t.results(), Cluster.allOf(ids), Duration.ofMinutes(2));
            }
        }
        Map<String, List<JobResult>> all = cluster.allResults(t.results());
        assertThat(all.keySet()).isEqualTo(ids);
        return all.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().get(0)));
    }

    static long learned(Map<String, JobResult> results) {
        return results.values().stream().filter(r -> r.budget() != null && r.budget().source().equals(Budget.LEARNED))
                .count();
    }

    @Test
    void workerRestartedAfterLearning_budgetsItsFirstJobsFromTheStateTopic() throws Exception {
        String state = "it.state." + UUID.randomUUID();
        List<Job> jobs = AdaptiveBudgetIT.translateJobs("s", 400);
        run(jobs.subList(0, 300), state);

        Map<String, JobResult> warm = run(jobs.subList(300, 400), state);
        Map<String, JobResult> cold = run(jobs.subList(300, 400), "it.state." + UUID.randomUUID());

        for (Job j : jobs.subList(300, 400)) {
            assertThat(warm.get(j.id()).status()).isEqualTo(Status.SUCCEEDED);
            assertThat(warm.get(j.id()).output()).isEqualTo(AdaptiveBudgetIT.expected(j));
        }
        assertThat(learned(warm)).as("warm start: jobs budgeted from what the first worker learned")
                .isGreaterThanOrEqualTo(90);
        assertThat(learned(cold)).as("cold start: nothing learned before the first 50 answers").isLessThan(60);
    }
}
