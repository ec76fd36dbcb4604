package dev.llmbatch.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmbatch.core.job.Job;
import dev.llmbatch.core.result.JobResult;
import dev.llmbatch.core.result.Status;
import dev.llmbatch.simulator.DeploymentStats;
import dev.llmbatch.simulator.Simulator;
import dev.llmbatch.simulator.SimulatorConfig;
import dev.llmbatch.worker.Worker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The worker's {@code /metrics}, scraped over HTTP after a real run (broker, simulator, one small region whose quota
 * the worker believes ten times larger, so that it answers 429s), agree with what happened: results by status with the result topic, calls and 429s with the simulator's
 * requests, billed tokens with the simulator's billing and the results' usage, the call-duration histogram's count
 * with the calls made.
 */
class MetricsIT {
    private static final String SIM = """
            time-scale: 30
            seed: 5
            api-keys: [it-key]
            regions:
              - name: eastus
                latency: {rtt-ms: 10, ttft-ms: 300, tps: 150}
                deployments: [{name: gpt-4o-mini, model: gpt-4o-mini-2024-07-18, tpm: 20000, rpm: 120}]
            """;
    private static Cluster cluster;

    @BeforeAll
    static void start() {
        cluster = Cluster.shared();
    }

    @Test
    void scrapedMetrics_agreeWithTheResultsAndTheSimulator() throws Exception {
        List<Job> jobs = new ArrayList<>();
        for (int i = 0; i < 600; i++) {
            jobs.add(Jobs.job("metrics", i));
        }
        Cluster.Topics t = cluster.topics(3);
        try (Simulator sim = Simulator.start(SimulatorConfig.parse(SIM))) {
            String text;
            // The worker is told its one region has ten times the quota it has (a quota set too high, as happens): the
            // service answers 429s whatever the machine's speed (a quiet machine admitted two regions so well that
            // none came), and the 429 counters have something to count.
            String yaml = Cluster.workerYaml(sim, t, 30, null)
                    .replace("tpm: 20000, rpm: 120", "tpm: 200000, rpm: 1200");
            assertThat(yaml).contains("tpm: 200000");
            try (Worker worker = cluster.startWorker(yaml, sim)) {
                cluster.produce(t.jobs(), Jobs.records(jobs));
                cluster.awaitResults(t.results(), Cluster.allOf(QuotaIT.ids(jobs)), Duration.ofMinutes(2));
                text = AdminHttp.get(worker, "/metrics");
            }
            Map<String, List<JobResult>> results = cluster.allResults(t.results());
            Map<String, DeploymentStats> stats = QuotaIT.deploymentStats(sim);
            System.out.printf("MetricsIT: %s%n", QuotaIT.describe(stats));

            for (Status s : Status.values()) {
                long n = results.values().stream().filter(r -> r.get(0).status() == s).count();
                assertThat(sum(text, "llm_results_total", "status=\"" + s.wire() + "\""))
                        .as("llm_results_total{status=%s}", s.wire()).isEqualTo(n);
            }
            assertThat(sum(text, "llm_results_total", "")).isEqualTo(jobs.size());
            long requests = stats.values().stream().mapToLong(DeploymentStats::requests).sum();
            long limited = stats.values().stream().mapToLong(DeploymentStats::rateLimited).sum();
            assertThat(limited).as("the small region answered some 429s").isPositive();
            assertThat(sum(text, "llm_calls_total", "")).as("calls = the simulator's requests").isEqualTo(requests);
            assertThat(sum(text, "llm_rate_limited_total", "")).as("429s").isEqualTo(limited);
            assertThat(sum(text, "llm_call_duration_seconds_count", "")).as("histogram count = calls")
                    .isEqualTo(requests);
            for (Map.Entry<String, DeploymentStats> e : stats.entrySet()) {
                String region = "region=\"" + e.getKey() + "\"";
                assertThat(sum(text, "llm_prompt_tokens_total", region)).as("prompt tokens billed in %s", e.getKey())
                        .isEqualTo(e.getValue().billedPromptTokens());
                assertThat(sum(text, "llm_completion_tokens_total", region))
                        .as("completion tokens billed in %s", e.getKey())
                        .isEqualTo(e.getValue().billedCompletionTokens());
            }
            long usage = results.values().stream().mapToLong(r -> r.get(0).usage().promptTokens()
                    + r.get(0).usage().completionTokens()).sum();
            assertThat(usage).as("the results' usage adds up to what was billed")
                    .isEqualTo(sum(text, "llm_prompt_tokens_total", "") + sum(text, "llm_completion_tokens_total", ""));
            assertThat(text).contains("# HELP llm_calls_total").contains("jvm_memory_used_bytes")
                    .contains("llm_job_latency_seconds_bucket");
        }
    }

    /** Sum of a series' samples whose label set contains {@code labelFilter} ("" for all). */
    static long sum(String prometheusText, String name, String labelFilter) {
        Pattern p = Pattern.compile("(?m)^" + Pattern.quote(name) + "(\\{[^}]*})? ([0-9.eE+-]+)$");
        Matcher m = p.matcher(prometheusText);
        double total = 0;
        while (m.find()) {
            String labels = m.group(1) == null ? "" : m.group(1);
            if (labels.contains(labelFilter)) {
                total += Double.parseDouble(m.group(2));
            }
        }
        return Math.round(total);
    }
}
