package dev.llmbatch.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.llmbatch.core.job.Job;
import dev.llmbatch.core.result.JobResult;
import dev.llmbatch.core.result.Status;
import dev.llmbatch.simulator.DeploymentStats;
import dev.llmbatch.simulator.FaultSpec;
import dev.llmbatch.simulator.Simulator;
import dev.llmbatch.simulator.SimulatorConfig;
import dev.llmbatch.worker.Worker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.ToLongFunction;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A region that fails for a while (500s, hangs, 503s and connection resets): every job still gets exactly one
 * {@code succeeded} result, each failed attempt is followed by an attempt in another region, and the retry counters
 * agree with what the simulator injected. The fault is switched on at runtime before a first wave of jobs and off
 * once enough failures have been injected; a second wave then shows the region is used again.
 *
 * <p>Sentiment jobs are packed several to a call (batching is on by default), so one failed call shows in several
 * traces: call counts are compared with the worker's {@code llm_calls_total}, traces are checked for their shape.
 */
class RegionFaultIT {
    private static final double SCALE = 30;
    private static final String BAD = "eastus";
    /** Jobs per paced chunk: below every region's request burst (9) times three and far below the HTTP pool. */
    private static final int CHUNK = 24;
    /**
     * Standard gpt-4o-mini quotas (450K TPM / 2,700 RPM). Jobs are sent in paced chunks (the next once the last is
     * answered), so no quota binds and a retry always finds a healthy region with room:
     * {@link #regionAnswers500WhileEveryQuotaBinds_retriesWaitForAHealthyRegion_noJobFails} covers the case where none
     * has room, {@link #regionHangsUnderABacklog_onlyTheHungRegionRecordsFailedCalls} a backlog.
     */
    private static final String SIM = """
            time-scale: 30
            seed: 21
            api-keys: [it-key]
            regions:
              - name: swedencentral
                latency: {rtt-ms: 10, ttft-ms: 300, tps: 200}
                deployments: [{name: gpt-4o-mini, model: gpt-4o-mini-2024-07-18, tpm: 450000, rpm: 2700}]
              - name: eastus
                latency: {rtt-ms: 30, ttft-ms: 400, tps: 150}
                deployments: [{name: gpt-4o-mini, model: gpt-4o-mini-2024-07-18, tpm: 450000, rpm: 2700}]
              - name: westeurope
                latency: {rtt-ms: 20, ttft-ms: 500, tps: 100}
                deployments: [{name: gpt-4o-mini, model: gpt-4o-mini-2024-07-18, tpm: 450000, rpm: 2700}]
            """;

    static Cluster cluster;

    @BeforeAll
    static void start() {
        cluster = Cluster.shared();
    }

    @Test
    void regionAnswers500ForAPeriod_failedAttemptsRetriedInOtherRegions_everyJobSucceeds() {
        Run run = runWithFault("r500", FaultSpec.none().withP500(1.0), null, d -> d.errors(500), 30);
        long injected = run.bad().errors(500);
        run.print("500", "injected 500s " + injected);

        run.assertEachJobSucceededOnce();
        assertThat(injected).as("500s the simulator injected").isGreaterThanOrEqualTo(30);
        assertThat(run.calls(BAD, "500")).as("llm_calls_total{%s,500}", BAD).isEqualTo(injected);
        assertThat(run.count(BAD + ":500")).as("'%s:500' trace entries", BAD).isGreaterThanOrEqualTo(injected);
        run.assertOnlyBadRegionRecordedFailedAttempts();
        run.assertEveryFailedAttemptFollowedByAnotherRegion();
        assertThat(run.results()).filteredOn(r -> r.trace().contains(BAD + ":500")).isNotEmpty()
                .allSatisfy(r -> assertThat(r.region()).as("region that answered after %s", r.trace())
                        .isNotEqualTo(BAD));
        assertThat(run.retriesTotal()).as("llm_retries_total").isPositive().isEqualTo(run.failedCalls());
        assertThat(QuotaIT.sumFor(run.retries, BAD)).as("llm_retries_total for %s", BAD).isEqualTo(injected);
        run.assertBadRegionServedSecondWave();
    }

    @Test
    void regionHangsForAPeriod_callsTimeOutAndAreRetriedInOtherRegions_everyJobSucceeds() {
        Run run = runWithFault("hang", FaultSpec.none().withPHang(1.0), "request-timeout-ms: 500",
                DeploymentStats::hangs, 20);
        long hangs = run.bad().hangs();
        run.print("hang", "hangs " + hangs);

        run.assertEachJobSucceededOnce();
        assertThat(hangs).as("hangs the simulator injected").isGreaterThanOrEqualTo(20);
        assertThat(run.calls(BAD, "timeout")).as("llm_calls_total{%s,timeout}", BAD).isEqualTo(hangs);
        assertThat(run.count(BAD + ":timeout")).as("'%s:timeout' trace entries", BAD).isGreaterThanOrEqualTo(hangs);
        run.assertOnlyBadRegionRecordedFailedAttempts();
        run.assertEveryFailedAttemptFollowedByAnotherRegion();
        assertThat(run.results()).filteredOn(r -> r.trace().contains(BAD + ":timeout")).isNotEmpty()
                .allSatisfy(r -> assertThat(r.region()).as("region that answered after %s", r.trace())
                        .isNotEqualTo(BAD));
        assertThat(run.retriesTotal()).as("llm_retries_total").isEqualTo(hangs).isEqualTo(run.failedCalls());
        run.assertBadRegionServedSecondWave();
    }

    /**
     * A backlog of 900 jobs against Global Standard quotas (2M TPM / 12,000 RPM per region) while eastus hangs for the
     * whole run, with the worker's default pool (64 connections, 256 waiting per region). The 2 s wall request timeout
     * is 60 simulated seconds, the production default. The hung calls time out in eastus and are retried elsewhere;
     * swedencentral and westeurope answer every call they are sent, so the worker must record no failed call against
     * them, and exactly one timeout per hung call against eastus.
     */
    @Test
    void regionHangsUnderABacklog_onlyTheHungRegionRecordsFailedCalls() {
        String simYaml = SIM.replace("tpm: 450000, rpm: 2700", "tpm: 2000000, rpm: 12000")
                .replace("    latency: {rtt-ms: 30, ttft-ms: 400, tps: 150}\n",
                        "    latency: {rtt-ms: 30, ttft-ms: 400, tps: 150}\n    faults: [{p-hang: 1.0}]\n");
        assertThat(simYaml).contains("p-hang").doesNotContain("2700");
        List<Job> jobs = QuotaIT.jobs("backlog", 900);
        Cluster.Topics t = cluster.topics(3);
        try (Simulator sim = Simulator.start(SimulatorConfig.parse(simYaml))) {
            Map<String, Long> retries;
            Map<String, Long> calls;
            try (Worker worker = cluster.startWorker(Cluster.workerYaml(sim, t, SCALE, "request-timeout-ms: 2000"),
                    sim)) {
                cluster.produce(t.jobs(), Jobs.records(jobs));
                cluster.awaitResults(t.results(), Cluster.allOf(QuotaIT.ids(jobs)), Duration.ofSeconds(50));
                retries = worker.metrics().family("llm_retries_total");
                calls = worker.metrics().family("llm_calls_total");
            }
            Run run = new Run(sim, jobs, List.of(), cluster.allResults(t.results()), QuotaIT.deploymentStats(sim),
                    retries, calls);
            run.print("backlog-hang", "hangs " + run.bad().hangs());

            run.assertEachJobSucceededOnce();
            run.assertOnlyBadRegionRecordedFailedAttempts();
            assertThat(run.bad().hangs()).as("hangs injected").isPositive();
            assertThat(run.calls(BAD, "timeout")).as("llm_calls_total{%s,timeout}: one per hung call", BAD)
                    .isEqualTo(run.bad().hangs());
            assertThat(calls.keySet()).as("llm_calls_total series").noneMatch(k -> k.contains("connection_error"));
        }
    }

    @Test
    void regionAnswers503AndResetsConnectionsForAPeriod_attemptsRetriedInOtherRegions_everyJobSucceeds() {
        Run run = runWithFault("r503", FaultSpec.none().withP503(0.5).withPReset(0.5), null,
                d -> d.errors(503) + d.resets(), 40);
        DeploymentStats bad = run.bad();
        run.print("503+reset", "503s " + bad.errors(503) + ", resets " + bad.resets());

        run.assertEachJobSucceededOnce();
        assertThat(bad.errors(503)).as("503s injected").isPositive();
        assertThat(bad.resets()).as("resets injected").isPositive();
        assertThat(run.calls(BAD, "503")).as("llm_calls_total{%s,503}", BAD).isEqualTo(bad.errors(503));
        assertThat(run.calls(BAD, "connection_error")).as("llm_calls_total{%s,connection_error}", BAD)
                .isEqualTo(bad.resets());
        run.assertOnlyBadRegionRecordedFailedAttempts();
        run.assertEveryFailedAttemptFollowedByAnotherRegion();
        assertThat(run.results()).filteredOn(r -> r.trace().stream().anyMatch(e -> e.startsWith(BAD + ":")
                && !e.endsWith(":200"))).isNotEmpty()
                .allSatisfy(r -> assertThat(r.region()).as("region that answered after %s", r.trace())
                        .isNotEqualTo(BAD));
        assertThat(QuotaIT.sumFor(run.retries, BAD)).as("llm_retries_total for %s", BAD)
                .isEqualTo(bad.errors(503) + bad.resets());
        assertThat(run.retriesTotal()).as("llm_retries_total").isEqualTo(run.failedCalls());
        run.assertBadRegionServedSecondWave();
    }

    /**
     * The steady state of a batch pipeline: every region's quota binds. eastus fails every call for the whole run and
     * the worker may make 3 attempts per job. A retry should wait the few milliseconds until a healthy region has room
     * rather than go straight back to the region that just failed.
     */
    @Test
    void regionAnswers500WhileEveryQuotaBinds_retriesWaitForAHealthyRegion_noJobFails() {
        String simYaml = """
                time-scale: 30
                seed: 22
                api-keys: [it-key]
                regions:
                  - name: swedencentral
                    latency: {rtt-ms: 10, ttft-ms: 300, tps: 200}
                    deployments: [{name: gpt-4o-mini, model: gpt-4o-mini-2024-07-18, tpm: 30000, rpm: 180}]
                  - name: eastus
                    latency: {rtt-ms: 30, ttft-ms: 400, tps: 150}
                    faults: [{p-500: 1.0}]
                    deployments: [{name: gpt-4o-mini, model: gpt-4o-mini-2024-07-18, tpm: 30000, rpm: 180}]
                  - name: westeurope
                    latency: {rtt-ms: 20, ttft-ms: 500, tps: 100}
                    deployments: [{name: gpt-4o-mini, model: gpt-4o-mini-2024-07-18, tpm: 30000, rpm: 180}]
                """;
        List<Job> jobs = QuotaIT.jobs("bind500", 600);
        Cluster.Topics t = cluster.topics(3);
        try (Simulator sim = Simulator.start(SimulatorConfig.parse(simYaml))) {
            Map<String, Long> retries;
            Map<String, Long> calls;
            try (Worker worker = cluster.startWorker(Cluster.workerYaml(sim, t, SCALE, "max-attempts: 3"), sim)) {
                cluster.produce(t.jobs(), Jobs.records(jobs));
                cluster.awaitResults(t.results(), Cluster.allOf(QuotaIT.ids(jobs)), Duration.ofSeconds(50));
                retries = worker.metrics().family("llm_retries_total");
                calls = worker.metrics().family("llm_calls_total");
            }
            Run run = new Run(sim, jobs, List.of(), cluster.allResults(t.results()), QuotaIT.deploymentStats(sim),
                    retries, calls);
            Map<Status, Long> statuses = run.results().stream()
                    .collect(Collectors.groupingBy(JobResult::status, TreeMap::new, Collectors.counting()));
            run.print("bind500", "statuses " + statuses + ", injected 500s " + run.bad().errors(500) + "; "
                    + QuotaIT.describe(run.stats));

            assertThat(statuses).as("results by status (swedencentral and westeurope were healthy throughout)")
                    .containsOnlyKeys(Status.SUCCEEDED);
            run.assertEveryFailedAttemptFollowedByAnotherRegion();
            run.assertEachJobSucceededOnce();
        }
    }

    /**
     * Switches {@code fault} on in {@link #BAD} and sends paced chunks of jobs until the simulator has injected
     * {@code minFaults} (by {@code faultCount}); switches the fault off and sends a second wave of chunks. The circuit
     * breaker is off: these tests count retries of failed calls, which an open breaker would mostly prevent
     * ({@link CircuitBreakerIT} covers the breaker).
     */
    private Run runWithFault(String prefix, FaultSpec fault, String workerExtra,
            ToLongFunction<DeploymentStats> faultCount, long minFaults) {
        Cluster.Topics t = cluster.topics(3);
        try (Simulator sim = Simulator.start(SimulatorConfig.parse(SIM))) {
            List<Job> wave1 = new ArrayList<>();
            List<Job> wave2 = new ArrayList<>();
            Map<String, Long> retries;
            Map<String, Long> calls;
            String extra = "breaker: {enabled: false}" + (workerExtra == null ? "" : "\n" + workerExtra);
            try (Worker worker = cluster.startWorker(Cluster.workerYaml(sim, t, SCALE, extra), sim)) {
                sim.setFaults(BAD, fault);
                while (faultCount.applyAsLong(sim.stats(BAD).deployment(QuotaIT.DEPLOYMENT)) < minFaults) {
                    assertThat(wave1.size()).as("jobs sent before %d faults were injected", minFaults)
                            .isLessThan(40 * CHUNK);
                    wave1.addAll(sendChunk(worker, t, prefix + "-a", wave1.size(), 0));
                }
                sim.setFaults(BAD, FaultSpec.none());
                while (wave2.size() < 10 * CHUNK) {
                    wave2.addAll(sendChunk(worker, t, prefix + "-b", wave2.size(), wave1.size()));
                }
                assertThat(worker.failure()).isNull();
                // the worker closes the connections it gave up on (the simulator would hold a hung one forever)
                await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(
                        sim.stats(BAD).hangingConnections()).as("connections held open by hang faults").isZero());
                retries = worker.metrics().family("llm_retries_total");
                calls = worker.metrics().family("llm_calls_total");
            }
            List<Job> jobs = new ArrayList<>(wave1);
            jobs.addAll(wave2);
            return new Run(sim, jobs, wave2, cluster.allResults(t.results()), QuotaIT.deploymentStats(sim), retries,
                    calls);
        }
    }

    /** Sends jobs {@code from .. from+CHUNK-1} and waits until the worker has published a result for each. */
    private static List<Job> sendChunk(Worker worker, Cluster.Topics t, String prefix, int from, int earlier) {
        List<Job> chunk = new ArrayList<>(CHUNK);
        for (int i = from; i < from + CHUNK; i++) {
            chunk.add(Jobs.job(prefix, i));
        }
        cluster.produce(t.jobs(), Jobs.records(chunk));
        long target = earlier + from + CHUNK;
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(5))
                .until(() -> worker.metrics().total("llm_results_total") >= target);
        return chunk;
    }

    /** What one run left behind, read after the worker stopped. */
    private record Run(Simulator sim, List<Job> jobs, List<Job> wave2, Map<String, List<JobResult>> byId,
                       Map<String, DeploymentStats> stats, Map<String, Long> retries, Map<String, Long> calls) {

        DeploymentStats bad() {
            return stats.get(BAD);
        }

        List<JobResult> results() {
            return byId.values().stream().flatMap(List::stream).toList();
        }

        long count(String entry) {
            return QuotaIT.countTrace(byId, entry);
        }

        /** {@code llm_calls_total{region, outcome}}. */
        long calls(String region, String outcome) {
            return calls.getOrDefault("{region=\"" + region + "\",outcome=\"" + outcome + "\"}", 0L);
        }

        /** Calls that were neither a success nor a 429: what the worker retries with backoff. */
        long failedCalls() {
            return calls.entrySet().stream().filter(e -> !e.getKey().contains("outcome=\"200\"")
                    && !e.getKey().contains("outcome=\"429\"")).mapToLong(Map.Entry::getValue).sum();
        }

        long retriesTotal() {
            return retries.values().stream().mapToLong(Long::longValue).sum();
        }

        /** Every trace entry with how often it occurs, e.g. {@code eastus:timeout=41}. */
        Map<String, Long> labels() {
            return results().stream().flatMap(r -> r.trace().stream())
                    .collect(Collectors.groupingBy(e -> e, TreeMap::new, Collectors.counting()));
        }

        /** Traces in which a failed attempt is followed by another attempt in the same region, with counts. */
        Map<String, Long> retriedInSameRegion() {
            return results().stream().filter(r -> {
                List<String> tr = r.trace();
                for (int i = 0; i + 1 < tr.size(); i++) {
                    if (!tr.get(i).endsWith(":200") && QuotaIT.region(tr.get(i)).equals(QuotaIT.region(tr.get(i + 1)))) {
                        return true;
                    }
                }
                return false;
            }).collect(Collectors.groupingBy(r -> String.join(",", r.trace()), TreeMap::new, Collectors.counting()));
        }

        void print(String name, String facts) {
            System.out.printf("RegionFaultIT.%s: %s; llm_calls_total %s; llm_retries_total %s; trace entries %s; "
                    + "traces retried in the same region %s%n", name, facts, calls, retries, labels(),
                    retriedInSameRegion());
        }

        void assertEachJobSucceededOnce() {
            QuotaIT.assertEachJobSucceededOnceWithFakeModelOutput(jobs, byId, sim);
        }

        /** Healthy regions answered every call they were sent: no call outcome or trace entry but 200 outside BAD. */
        void assertOnlyBadRegionRecordedFailedAttempts() {
            assertThat(calls.keySet()).as("llm_calls_total series").allSatisfy(k -> assertThat(k)
                    .matches(x -> x.contains("region=\"" + BAD + "\"") || x.contains("outcome=\"200\""),
                            "is in " + BAD + " or a 200"));
            assertThat(labels().keySet()).as("trace entries").allSatisfy(e -> assertThat(e).as("trace entry")
                    .matches(x -> x.startsWith(BAD + ":") || x.endsWith(":200"), "is in " + BAD + " or a 200"));
        }

        /** For every trace: the attempt right after a failed one is in a different region. */
        void assertEveryFailedAttemptFollowedByAnotherRegion() {
            for (JobResult r : results()) {
                List<String> trace = r.trace();
                for (int i = 0; i < trace.size(); i++) {
                    if (!trace.get(i).endsWith(":200")) {
                        assertThat(i + 1).as("an attempt after %s in %s", trace.get(i), trace)
                                .isLessThan(trace.size());
                        assertThat(QuotaIT.region(trace.get(i + 1))).as("region after %s in %s", trace.get(i), trace)
                                .isNotEqualTo(QuotaIT.region(trace.get(i)));
                    }
                }
            }
        }

        /** Once the fault is off, the region takes work again: nothing blacklists it for good. */
        void assertBadRegionServedSecondWave() {
            long served = wave2.stream().map(j -> byId.get(j.id()).get(0)).filter(r -> BAD.equals(r.region()))
                    .count();
            assertThat(served).as("second-wave jobs answered by %s after its fault ended", BAD).isPositive();
        }
    }
}
