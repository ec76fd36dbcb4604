package dev.llmbatch.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmbatch.core.job.Job;
import dev.llmbatch.core.job.Priority;
import dev.llmbatch.core.result.Budget;
import dev.llmbatch.core.result.JobResult;
import dev.llmbatch.core.result.Status;
import dev.llmbatch.simulator.FakeModel;
import dev.llmbatch.simulator.Simulator;
import dev.llmbatch.simulator.SimulatorConfig;
import dev.llmbatch.worker.Worker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Learned answer budgets through the real path (issue 9): translate jobs that reserve 200 tokens for answers of
 * 10-150, run with learned budgets on and off against fresh simulators. Answers never change: every output equals the
 * fake model's answer under the job's own limit, in both runs; an answer cut under a learned budget is sent again
 * with the job's own limit and its result bills both calls.
 */
class AdaptiveBudgetIT {
    static Cluster cluster;
    static final String INSTRUCTION = "Translate the user's text to English.";
    static final String SIM = """
            time-scale: 20
            seed: 5
            api-keys: [it-key]
            regions:
              - name: japaneast
                latency: {rtt-ms: 10, ttft-ms: 100, tps: 400}
                deployments: [{name: gpt-4o-mini, model: gpt-4o-mini-2024-07-18, tpm: 450000, rpm: 2700}]
              - name: eastus
                latency: {rtt-ms: 10, ttft-ms: 150, tps: 300}
                deployments: [{name: gpt-4o-mini, model: gpt-4o-mini-2024-07-18, tpm: 150000, rpm: 900}]
            """;
    static final String[] EN = {"the", "order", "arrived", "late", "but", "the", "quality", "is", "excellent", "and",
        "the", "staff", "were", "kind", "battery", "lasts", "two", "days", "screen", "too", "dim", "outdoors"};
    static final String[] JA = {"商品は", "とても", "良かった", "です。", "配送が", "遅れましたが、", "品質は", "素晴らしい。",
        "電池の", "持ちが", "悪い", "と思います。", "また", "買いたい", "ですね。"};

    @BeforeAll
    static void start() {
        cluster = Cluster.shared();
    }

    /** Reviews of 8-40 words, a third of them Japanese. */
    static List<Job> translateJobs(String prefix, int n) {
        SplittableRandom r = new SplittableRandom(42);
        List<Job> jobs = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            String[] words = i % 3 == 0 ? JA : EN;
            int len = 8 + r.nextInt(33);
            StringBuilder sb = new StringBuilder();
            for (int w = 0; w < len; w++) {
                if (sb.length() > 0 && words == EN) {
                    sb.append(' ');
                }
                sb.append(words[r.nextInt(words.length)]);
            }
            jobs.add(new Job(prefix + "-" + i, "gpt-4o-mini", List.of(), 200, null, null, 1, "translate",
                    sb.toString(), null, null, Priority.NORMAL, null, null));
        }
        return jobs;
    }

    static String expected(Job j) {
        return FakeModel.complete(INSTRUCTION, j.input(), j.maxTokens()).content();
    }

    record Run(Map<String, JobResult> results, long resent, long billed) {
    }

    static Run run(List<Job> jobs, String poolYaml) throws Exception {
        Cluster.Topics t = cluster.topics(3);
        Set<String> ids = jobs.stream().map(Job::id).collect(Collectors.toSet());
        long resent;
        long billed = 0;
        try (Simulator sim = Simulator.start(SimulatorConfig.parse(SIM))) {
            String yaml = Cluster.workerYaml(sim, t, 20, null).replace("    max-request-tokens: 1024\n",
                    poolYaml.contains("max-request-tokens") ? poolYaml : "    max-request-tokens: 1024\n" + poolYaml);
            try (Worker worker = cluster.startWorker(yaml, sim)) {
                cluster.produce(t.jobs(), Jobs.records(jobs));
                cluster.awaitResults(t.results(), Cluster.allOf(ids), Duration.ofMinutes(3));
                resent = worker.metrics().total("llm_budget_resent_total");
            }
            for (String r : sim.regions()) {
                billed += sim.stats(r).deployment("gpt-4o-mini").billedTokens();
            }
        }
        Map<String, List<JobResult>> all = cluster.allResults(t.results());
        assertThat(all.keySet()).isEqualTo(ids);
        Map<String, JobResult> one = new HashMap<>();
        all.forEach((id, rs) -> {
            assertThat(rs).as("results for %s", id).hasSize(1);
            one.put(id, rs.get(0));
        });
        return new Run(one, resent, billed);
    }

    static long usage(Run run) {
        return run.results().values().stream()
                .mapToLong(r -> r.usage().promptTokens() + r.usage().completionTokens()).sum();
    }

    @Test
    void fourThousandTranslateJobs_learnedBudgetsOnAndOff_outputsIdenticalAndCutAnswersResentInFull()
            throws Exception {
        List<Job> jobs = translateJobs("a", 4000);
        Run on = run(jobs, "    batching: {enabled: false}\n");
        Run off = run(jobs, "    batching: {enabled: false}\n    adaptive-max-tokens: {enabled: false}\n");

        int learned = 0;
        int resentResults = 0;
        for (Job j : jobs) {
            JobResult a = on.results().get(j.id());
            JobResult b = off.results().get(j.id());
            assertThat(a.status()).as(j.id()).isEqualTo(Status.SUCCEEDED);
            assertThat(b.status()).as(j.id()).isEqualTo(Status.SUCCEEDED);
            assertThat(a.output()).as("output of %s, learned budgets on vs off", j.id()).isEqualTo(b.output())
                    .isEqualTo(expected(j));
            assertThat(b.budget()).isEqualTo(new Budget(Budget.JOB, 200));
            assertThat(a.budget().maxTokens()).isLessThanOrEqualTo(200);
            long answered = a.trace().stream().filter(s -> s.endsWith(":200")).count();
            if (a.budget().source().equals(Budget.LEARNED)) {
                learned++;
                assertThat(a.finishReason()).as("an answer under a learned budget is never cut").isEqualTo("stop");
            }
            if (answered > 1) {
                resentResults++;
                assertThat(a.budget()).as("a cut answer is answered again with the job's own limit")
                        .isEqualTo(new Budget(Budget.JOB, 200));
                assertThat(a.attempts()).isGreaterThanOrEqualTo(2);
            }
        }
        assertThat(learned).as("jobs answered under a learned budget").isGreaterThan(jobs.size() / 2);
        assertThat(resentResults).as("results of resent answers vs the metric").isEqualTo((int) on.resent());
        assertThat(on.resent()).as("resent share").isLessThanOrEqualTo(jobs.size() / 20);
        assertThat(usage(on)).as("results' usage = tokens the service billed, cut calls included")
                .isEqualTo(on.billed());
        assertThat(usage(off)).isEqualTo(off.billed());
    }

    @Test
    void packedTranslateJobs_learnedBudgets_outputsEqualTheFullAnswers() throws Exception {
        List<Job> jobs = translateJobs("p", 2000);
        Run on = run(jobs, "    max-request-tokens: 4096\n"
                + "    batching: {enabled: true, max-items: 8, max-wait-ms: 20, max-item-tokens: 400}\n");

        int learned = 0;
        for (Job j : jobs) {
            JobResult a = on.results().get(j.id());
            assertThat(a.status()).as(j.id()).isEqualTo(Status.SUCCEEDED);
            assertThat(a.output()).as("output of %s", j.id()).isEqualTo(expected(j));
            if (a.budget().source().equals(Budget.LEARNED)) {
                learned++;
            }
        }
        double meanBatch = on.results().values().stream().mapToInt(JobResult::batchSize).average().orElse(0);
        assertThat(meanBatch).as("jobs were packed").isGreaterThan(2);
        assertThat(learned).as("packed items reserved under learned budgets").isGreaterThan(jobs.size() / 4);
    }
}
