package dev.llmbatch.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmbatch.core.job.ChatMessage;
import dev.llmbatch.core.job.Job;
import dev.llmbatch.core.result.JobResult;
import dev.llmbatch.core.result.Status;
import dev.llmbatch.simulator.BatchFaults;
import dev.llmbatch.simulator.Simulator;
import dev.llmbatch.simulator.SimulatorConfig;
import dev.llmbatch.worker.Worker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Prompt packing through the real path: outputs identical to unpacked requests, only small jobs packed. */
class BatchingIT {
    static Cluster cluster;
    static final String SIM = """
            time-scale: 20
            seed: 11
            api-keys: [it-key]
            regions:
              - name: swedencentral
                latency: {rtt-ms: 10, ttft-ms: 100, tps: 400}
                deployments: [{name: gpt-4o-mini, model: gpt-4o-mini-2024-07-18, tpm: 450000, rpm: 2700}]
              - name: eastus
                latency: {rtt-ms: 10, ttft-ms: 150, tps: 300}
                deployments: [{name: gpt-4o-mini, model: gpt-4o-mini-2024-07-18, tpm: 150000, rpm: 900}]
            """;

    @BeforeAll
    static void start() {
        cluster = Cluster.shared();
    }

    static List<Job> sentimentJobs(String prefix, int n) {
        List<Job> jobs = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            jobs.add(Job.ofTask(prefix + "-" + i, "gpt-4o-mini", "sentiment", Jobs.text(i)));
        }
        return jobs;
    }

    static Map<String, JobResult> run(List<Job> jobs, String batchingYaml) throws Exception {
        Cluster.Topics t = cluster.topics(3);
        Set<String> ids = jobs.stream().map(Job::id).collect(Collectors.toSet());
        try (Simulator sim = Simulator.start(SimulatorConfig.parse(SIM))) {
            String yaml = Cluster.workerYaml(sim, t, 20, null).replace("    max-request-tokens: 1024\n",
                    "    max-request-tokens: 1024\n" + batchingYaml);
            try (Worker worker = cluster.startWorker(yaml, sim)) {
                cluster.produce(t.jobs(), Jobs.records(jobs));
                cluster.awaitResults(t.results(), Cluster.allOf(ids), Duration.ofMinutes(3));
            }
        }
        Map<String, List<JobResult>> all = cluster.allResults(t.results());
        assertThat(all.keySet()).isEqualTo(ids);
        Map<String, JobResult> one = new HashMap<>();
        all.forEach((id, rs) -> {
            assertThat(rs).as("results for %s", id).hasSize(1);
            one.put(id, rs.get(0));
        });
        return one;
    }

    @Test
    void fiveThousandSentimentJobs_batchingOnAndOff_giveIdenticalOutputs() throws Exception {
        List<Job> jobs = sentimentJobs("b", 5000);
        Map<String, JobResult> on = run(jobs, "    batching: {enabled: true, max-items: 16, max-wait-ms: 20}\n");
        Map<String, JobResult> off = run(jobs, "    batching: {enabled: false}\n");
        for (Job j : jobs) {
            JobResult a = on.get(j.id());
            JobResult b = off.get(j.id());
            assertThat(a.status()).as(j.id()).isEqualTo(Status.SUCCEEDED);
            assertThat(b.status()).as(j.id()).isEqualTo(Status.SUCCEEDED);
            assertThat(a.output()).as("output of %s batched vs not", j.id()).isEqualTo(b.output())
                    .isEqualTo(EndToEndIT.expectedOutput(j));
            assertThat(b.batchSize()).isEqualTo(1);
        }
        double meanBatch = on.values().stream().mapToInt(JobResult::batchSize).average().orElse(0);
        assertThat(meanBatch).as("jobs were actually packed").isGreaterThan(4);
        long usageOn = on.values().stream().mapToLong(r -> r.usage().promptTokens()).sum();
        long usageOff = off.values().stream().mapToLong(r -> r.usage().promptTokens()).sum();
        assertThat(usageOn).as("packing pays the shared instruction once per batch").isLessThan(usageOff);
    }

    @Test
    void fivePercentOfPackedRepliesCorruptedEachWay_everyJobStillGetsItsOwnCorrectOutput() throws Exception {
        List<Job> jobs = sentimentJobs("corrupt", 3000);
        Cluster.Topics t = cluster.topics(3);
        Set<String> ids = jobs.stream().map(Job::id).collect(Collectors.toSet());
        Map<String, Long> resent;
        try (Simulator sim = Simulator.start(SimulatorConfig.parse(SIM))) {
            // Per item: drop, duplicate (with another item's answer), corrupt; per reply: reorder, invalid JSON.
            BatchFaults faults = new BatchFaults(0.05, 0.05, 0.05, 0.05, 0.05);
            sim.regions().forEach(r -> sim.setBatchFaults(r, faults));
            String yaml = Cluster.workerYaml(sim, t, 20, null).replace("    max-request-tokens: 1024\n",
                    "    max-request-tokens: 1024\n    batching: {enabled: true, max-items: 16, max-wait-ms: 20}\n");
            try (Worker worker = cluster.startWorker(yaml, sim)) {
                cluster.produce(t.jobs(), Jobs.records(jobs));
                cluster.awaitResults(t.results(), Cluster.allOf(ids), Duration.ofMinutes(3));
                resent = worker.metrics().family("llm_batch_items_resent_total");
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
        assertThat(resent).as("corrupted items were detected and re-sent: %s", resent).isNotEmpty();
        assertThat(resent.values().stream().mapToLong(Long::longValue).sum()).isGreaterThan(100);
    }

    @Test
    void mixedSmallAndLargeJobs_onlySmallOnesArePacked() throws Exception {
        List<Job> jobs = new ArrayList<>(sentimentJobs("small", 300));
        String longReview = "This blender is loud but it crushes ice in seconds. ".repeat(60);
        for (int i = 0; i < 40; i++) {
            jobs.add(Job.ofTask("large-" + i, "gpt-4o-mini", "sentiment", longReview + i));
        }
        for (int i = 0; i < 40; i++) {
            jobs.add(Job.ofMessages("msgs-" + i, "gpt-4o-mini", List.of(ChatMessage.system(
                    "Classify the sentiment of the review as positive, negative or neutral."),
                    ChatMessage.user(Jobs.text(i))), 5));
        }
        Map<String, JobResult> results = run(jobs,
                "    batching: {enabled: true, max-items: 16, max-wait-ms: 20, max-item-tokens: 256}\n");
        results.forEach((id, r) -> {
            assertThat(r.status()).isEqualTo(Status.SUCCEEDED);
            if (id.startsWith("large-")) {
                assertThat(r.batchSize()).as("a job over max-item-tokens is sent alone: %s", id).isEqualTo(1);
            }
            if (id.startsWith("msgs-")) {
                assertThat(r.batchSize()).as("messages jobs are not packed unless messages-jobs is on").isEqualTo(1);
            }
        });
        for (Job j : jobs) {
            assertThat(results.get(j.id()).output()).isEqualTo(EndToEndIT.expectedOutput(j));
        }
        assertThat(results.entrySet().stream().filter(e -> e.getKey().startsWith("small-"))
                .mapToInt(e -> e.getValue().batchSize()).average().orElse(0)).isGreaterThan(4);
    }

    @Test
    void loneJob_isSentAfterMaxWaitNotHeldForCompany() throws Exception {
        Map<String, JobResult> results = run(sentimentJobs("lone", 1),
                "    batching: {enabled: true, max-items: 16, max-wait-ms: 1500}\n");
        JobResult r = results.get("lone-0");
        assertThat(r.status()).isEqualTo(Status.SUCCEEDED);
        assertThat(r.batchSize()).isEqualTo(1);
        assertThat(r.queuedMs()).as("held for the max wait, then sent alone").isBetween(1400L, 4000L);
    }
}
