package dev.llmbatch.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.llmbatch.core.job.Job;
import dev.llmbatch.core.result.JobResult;
import dev.llmbatch.core.result.Status;
import dev.llmbatch.simulator.DeploymentStats;
import dev.llmbatch.simulator.Simulator;
import dev.llmbatch.simulator.SimulatorConfig;
import dev.llmbatch.worker.Worker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Quota behaviour against simulated regions over real HTTP and a real broker: the worker's buckets keep every
 * deployment inside its TPM/RPM windows, a 429 moves the request to another region at once, and a throttle on every
 * region delays jobs without failing them. The simulator and the worker run at the same time scale, so several
 * simulated quota minutes pass in a few wall seconds.
 */
class QuotaIT {
    private static final double SCALE = 30;
    static final String DEPLOYMENT = "gpt-4o-mini";

    static Cluster cluster;

    @BeforeAll
    static void start() {
        cluster = Cluster.shared();
    }


    @Test
    void threeRegionsOneTiny_quotasBindForMinutes_everyWindowWithinLimitsAndEveryJobSucceedsOnce() {
        String simYaml = """
                time-scale: 30
                seed: 11
                api-keys: [it-key]
                regions:
                  - name: swedencentral
                    latency: {rtt-ms: 10, ttft-ms: 300, tps: 200}
                    deployments: [{name: gpt-4o-mini, model: gpt-4o-mini-2024-07-18, tpm: 20000, rpm: 600}]
                  - name: eastus
                    latency: {rtt-ms: 30, ttft-ms: 400, tps: 150}
                    deployments: [{name: gpt-4o-mini, model: gpt-4o-mini-2024-07-18, tpm: 12000, rpm: 120}]
                  - name: westeurope
                    latency: {rtt-ms: 20, ttft-ms: 500, tps: 100}
                    deployments: [{name: gpt-4o-mini, model: gpt-4o-mini-2024-07-18, tpm: 6000, rpm: 36}]
                """;
        List<Job> jobs = jobs("quota", 1500);
        Cluster.Topics t = cluster.topics(3);
        try (Simulator sim = Simulator.start(SimulatorConfig.parse(simYaml))) {
            double simStart;
            double simEnd;
            try (Worker worker = cluster.startWorker(Cluster.workerYaml(sim, t, SCALE, null), sim)) {
                simStart = sim.stats("swedencentral").simulatedSeconds();
                cluster.produce(t.jobs(), Jobs.records(jobs));
                cluster.awaitResults(t.results(), Cluster.allOf(ids(jobs)), Duration.ofSeconds(45));
                simEnd = sim.stats("swedencentral").simulatedSeconds();
                assertThat(worker.failure()).isNull();
            }
            Map<String, DeploymentStats> stats = deploymentStats(sim);
            System.out.printf("QuotaIT.tiny: %.0f simulated s for %d jobs; %s%n", simEnd - simStart, jobs.size(),
                    describe(stats));

            assertEachJobSucceededOnceWithFakeModelOutput(jobs, cluster.allResults(t.results()), sim);
            stats.forEach((region, d) -> {
                assertThat(d.maxTokensIn60s()).as("%s max tokens in a 60 s window", region)
                        .isLessThanOrEqualTo(d.tpm());
                assertThat(d.maxRequestsIn10s()).as("%s max requests in a 10 s window", region)
                        .isLessThanOrEqualTo(ceilDiv(d.rpm(), 6));
            });
            // the quotas really bound: the work needed more than one window of every quota (the exact windows admit a
            // whole first window at once and learned budgets reserve less: one run took 143 simulated seconds, where
            // token buckets always took over 150), and the tiny region's request window was filled to its limit's
            // pace (6 per 10 s, paced one at a time)
            assertThat(simEnd - simStart).as("simulated seconds the run took").isGreaterThan(90);
            assertThat(stats.get("westeurope").maxRequestsIn10s()).isGreaterThanOrEqualTo(5);
        }
    }

    @Test
    void regionQuotaOverstatedInWorkerConfig_serviceAnswers429_everyOneIsRetriedInAnotherRegionAndCounted() {
        // eastus really has 6000 TPM / 36 RPM, but the worker is told 60000 / 360, so it overshoots and gets 429s
        String simYaml = """
                time-scale: 30
                seed: 12
                api-keys: [it-key]
                regions:
                  - name: swedencentral
                    latency: {rtt-ms: 10, ttft-ms: 300, tps: 200}
                    deployments: [{name: gpt-4o-mini, model: gpt-4o-mini-2024-07-18, tpm: 300000, rpm: 1800}]
                  - name: eastus
                    latency: {rtt-ms: 30, ttft-ms: 400, tps: 150}
                    deployments: [{name: gpt-4o-mini, model: gpt-4o-mini-2024-07-18, tpm: 6000, rpm: 36}]
                  - name: westeurope
                    latency: {rtt-ms: 20, ttft-ms: 500, tps: 100}
                    deployments: [{name: gpt-4o-mini, model: gpt-4o-mini-2024-07-18, tpm: 150000, rpm: 900}]
                """;
        String bad = "eastus";
        List<Job> jobs = jobs("overstated", 800);
        Cluster.Topics t = cluster.topics(3);
        try (Simulator sim = Simulator.start(SimulatorConfig.parse(simYaml))) {
            String yaml = overstate(Cluster.workerYaml(sim, t, SCALE, null), bad, 60000, 360);
            long workerRateLimited;
            long workerCalls429;
            Map<String, Long> rateLimitedFamily;
            try (Worker worker = cluster.startWorker(yaml, sim)) {
                cluster.produce(t.jobs(), Jobs.records(jobs));
                cluster.awaitResults(t.results(), Cluster.allOf(ids(jobs)), Duration.ofSeconds(45));
                assertThat(worker.failure()).isNull();
                rateLimitedFamily = worker.metrics().family("llm_rate_limited_total");
                workerRateLimited = sumFor(rateLimitedFamily, bad);
                workerCalls429 = worker.metrics().counter("llm_calls_total", "region", bad, "outcome", "429");
            }
            Map<String, DeploymentStats> stats = deploymentStats(sim);
            Map<String, List<JobResult>> results = cluster.allResults(t.results());
            long traced429 = countTrace(results, bad + ":429");
            System.out.printf("QuotaIT.overstated: sim 429s in %s = %d (tokens %d, requests %d); worker "
                            + "llm_rate_limited_total = %s, llm_calls_total{%s,429} = %d; '%s:429' trace entries = %d;"
                            + " %s%n", bad, stats.get(bad).rateLimited(), stats.get(bad).rateLimitedTokens(),
                    stats.get(bad).rateLimitedRequests(), rateLimitedFamily, bad, workerCalls429, bad, traced429,
                    describe(stats));

            assertEachJobSucceededOnceWithFakeModelOutput(jobs, results, sim);
            assertThat(stats.get(bad).rateLimited()).as("429s the simulator sent from %s", bad).isPositive();
            for (List<JobResult> rs : results.values()) {
                List<String> trace = rs.get(0).trace();
                for (int i = 0; i < trace.size(); i++) {
                    if (trace.get(i).endsWith(":429")) {
                        assertThat(i + 1).as("an attempt after the 429 in %s", trace).isLessThan(trace.size());
                        assertThat(region(trace.get(i + 1))).as("region after the 429 in %s", trace)
                                .isNotEqualTo(region(trace.get(i)));
                    }
                }
            }
            assertThat(workerRateLimited).as("worker llm_rate_limited_total for %s", bad)
                    .isEqualTo(stats.get(bad).rateLimited());
            assertThat(workerCalls429).as("worker llm_calls_total{%s,429}", bad).isEqualTo(stats.get(bad).rateLimited());
            // a packed call carries several jobs, so a 429 shows in one trace or more
            assertThat(traced429).as("'%s:429' entries in all traces", bad)
                    .isGreaterThanOrEqualTo(stats.get(bad).rateLimited());
            stats.forEach((region, d) -> {
                assertThat(d.maxTokensIn60s()).as("%s max tokens in 60 s", region).isLessThanOrEqualTo(d.tpm());
                assertThat(d.maxRequestsIn10s()).as("%s max requests in 10 s", region)
                        .isLessThanOrEqualTo(ceilDiv(d.rpm(), 6));
            });
        }
    }

    @Test
    void everyRegionThrottledWhileJobsQueued_jobsWaitWithoutFailing_andFinishAfterQuotaRestored() {
        String simYaml = """
                time-scale: 30
                seed: 13
                api-keys: [it-key]
                regions:
                  - name: swedencentral
                    latency: {rtt-ms: 10, ttft-ms: 300, tps: 200}
                    deployments: [{name: gpt-4o-mini, model: gpt-4o-mini-2024-07-18, tpm: 60000, rpm: 360}]
                  - name: eastus
                    latency: {rtt-ms: 30, ttft-ms: 400, tps: 150}
                    deployments: [{name: gpt-4o-mini, model: gpt-4o-mini-2024-07-18, tpm: 60000, rpm: 360}]
                  - name: westeurope
                    latency: {rtt-ms: 20, ttft-ms: 500, tps: 100}
                    deployments: [{name: gpt-4o-mini, model: gpt-4o-mini-2024-07-18, tpm: 60000, rpm: 360}]
                """;
        List<Job> jobs = jobs("throttled", 400);
        Cluster.Topics t = cluster.topics(3);
        try (Simulator sim = Simulator.start(SimulatorConfig.parse(simYaml))) {
            Map<String, long[]> original = new LinkedHashMap<>();
            for (String r : sim.regions()) {
                DeploymentStats d = sim.stats(r).deployment(DEPLOYMENT);
                original.put(r, new long[] {d.tpm(), d.rpm()});
                // smaller than any request's estimate: every request is refused with a 429 (retry-after 60 s)
                sim.setQuota(r, DEPLOYMENT, 1, 1);
            }
            long throttled429;
            double throttledFor;
            long restoredAt;
            try (Worker worker = cluster.startWorker(Cluster.workerYaml(sim, t, SCALE, null), sim)) {
                double throttleStart = sim.stats("eastus").simulatedSeconds();
                cluster.produce(t.jobs(), Jobs.records(jobs));
                // hold the throttle for 1.5 retry-afters (60 s): every region has refused and been probed again
                await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).until(() ->
                        sim.stats("eastus").simulatedSeconds() - throttleStart >= 90 && sim.regions().stream()
                                .allMatch(r -> sim.stats(r).deployment(DEPLOYMENT).rateLimited() >= 2));
                assertThat(cluster.readAll(t.results())).as("results published while every region is throttled")
                        .isEmpty();
                assertThat(worker.isRunning()).isTrue();
                throttled429 = sim.regions().stream().mapToLong(r -> sim.stats(r).deployment(DEPLOYMENT)
                        .rateLimited()).sum();
                throttledFor = sim.stats("eastus").simulatedSeconds() - throttleStart;
                original.forEach((r, q) -> sim.setQuota(r, DEPLOYMENT, q[0], q[1]));
                restoredAt = System.nanoTime();
                cluster.awaitResults(t.results(), Cluster.allOf(ids(jobs)), Duration.ofSeconds(45));
                System.out.printf("QuotaIT.throttled: %d 429s over %.0f simulated s of throttle (%d jobs queued); "
                                + "all results %d ms after the restore; worker llm_rate_limited_total %s%n",
                        throttled429, throttledFor, jobs.size(), (System.nanoTime() - restoredAt) / 1_000_000,
                        worker.metrics().family("llm_rate_limited_total"));
                assertThat(worker.failure()).isNull();
            }
            Map<String, List<JobResult>> results = cluster.allResults(t.results());
            assertThat(results.values().stream().flatMap(List::stream).map(JobResult::status))
                    .doesNotContain(Status.FAILED);
            assertEachJobSucceededOnceWithFakeModelOutput(jobs, results, sim);
            // the worker honoured the 60 s retry-after instead of hammering the throttled regions
            assertThat(throttled429).as("429s while throttled").isLessThan(jobs.size());
        }
    }

    // ---- helpers ----


    static List<Job> jobs(String prefix, int n) {
        List<Job> jobs = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            jobs.add(Jobs.job(prefix, i));
        }
        return jobs;
    }

    static Set<String> ids(List<Job> jobs) {
        return jobs.stream().map(Job::id).collect(Collectors.toSet());
    }

    static void assertEachJobSucceededOnceWithFakeModelOutput(List<Job> jobs, Map<String, List<JobResult>> results,
            Simulator sim) {
        assertThat(results.keySet()).isEqualTo(ids(jobs));
        for (Job job : jobs) {
            List<JobResult> rs = results.get(job.id());
            assertThat(rs).as("results for %s", job.id()).hasSize(1);
            JobResult r = rs.get(0);
            assertThat(r.status()).as("status of %s: %s, trace %s", job.id(), r.error(), r.trace())
                    .isEqualTo(Status.SUCCEEDED);
            assertThat(r.output()).as("output of %s", job.id()).isEqualTo(EndToEndIT.expectedOutput(job));
            assertThat(r.region()).isIn(sim.regions());
            assertThat(r.trace()).as("trace of %s", job.id()).hasSize(r.attempts()).last()
                    .isEqualTo(r.region() + ":200");
        }
    }

    /** Rewrites the worker's view of one region's quota, leaving the simulator's as it is. */
    static String overstate(String yaml, String region, long tpm, long rpm) {
        String marker = "{region: " + region + ",";
        return yaml.lines().map(l -> l.contains(marker)
                ? l.replaceFirst("tpm: \\d+, rpm: \\d+", "tpm: " + tpm + ", rpm: " + rpm) : l)
                .collect(Collectors.joining("\n", "", "\n"));
    }

    static Map<String, DeploymentStats> deploymentStats(Simulator sim) {
        Map<String, DeploymentStats> out = new LinkedHashMap<>();
        for (String r : sim.regions()) {
            out.put(r, sim.stats(r).deployment(DEPLOYMENT));
        }
        return out;
    }

    static String describe(Map<String, DeploymentStats> stats) {
        StringBuilder sb = new StringBuilder();
        stats.forEach((r, d) -> sb.append(String.format("%s[tpm %d rpm %d: accepted %d, 429 %d, maxTokensIn60s %d"
                + " (%.0f%%), maxRequestsIn10s %d/%d, admitted tokens %d] ", r, d.tpm(), d.rpm(), d.accepted(),
                d.rateLimited(), d.maxTokensIn60s(), 100.0 * d.maxTokensIn60s() / d.tpm(), d.maxRequestsIn10s(),
                ceilDiv(d.rpm(), 6), d.admittedTokens())));
        return sb.toString().trim();
    }

    static long sumFor(Map<String, Long> family, String region) {
        String label = "region=\"" + region + "\"";
        return family.entrySet().stream().filter(e -> e.getKey().contains(label)).mapToLong(Map.Entry::getValue)
                .sum();
    }

    static long countTrace(Map<String, List<JobResult>> results, String entry) {
        return results.values().stream().flatMap(List::stream).flatMap(r -> r.trace().stream())
                .filter(entry::equals).count();
    }

    static String region(String traceEntry) {
        return traceEntry.substring(0, traceEntry.indexOf(':'));
    }

    static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }
}
