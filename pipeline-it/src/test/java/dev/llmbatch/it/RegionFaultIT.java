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
import java.util.function.Predicate;
import java.util.function.ToLongFunction;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A region that fails for a while (500s, hangs, 503s and connection resets): every job still gets exactly one
 * {@code succeeded} result, each failed attempt is followed by an attempt in another region, and the retry counters
 * agree with what the simulator injected. The fault is switched on at runtime before the first wave of jobs and off
 * after enough failures have been seen; a second wave then shows the region is used again.
 */
class RegionFaultIT {
    private static final double SCALE = 30;
    private static final String DEPLOYMENT = "gpt-4o-mini";
    private static final String BAD = "eastus";
    /** Roomy quotas everywhere, so that a retry always finds another region with room at once. */
    private static final String SIM = """
            time-scale: 30
            seed: 21
            api-keys: [it-key]
            regions:
              - name: swedencentral
                latency: {rtt-ms: 10, ttft-ms: 300, tps: 200}
                deployments: [{name: gpt-4o-mini, model: gpt-4o-mini-2024-07-18, tpm: 300000, rpm: 1800}]
              - name: eastus
                latency: {rtt-ms: 30, ttft-ms: 400, tps: 150}
                deployments: [{name: gpt-4o-mini, model: gpt-4o-mini-2024-07-18, tpm: 300000, rpm: 1800}]
              - name: westeurope
                latency: {rtt-ms: 20, ttft-ms: 500, tps: 100}
                deployments: [{name: gpt-4o-mini, model: gpt-4o-mini-2024-07-18, tpm: 300000, rpm: 1800}]
            """;

    static Cluster cluster;

    @BeforeAll
    static void start() {
        cluster = Cluster.shared();
    }


    @Test
    void regionAnswers500ForAPeriod_failedAttemptsRetriedInOtherRegions_everyJobSucceeds() {
        Run run = runWithFault("r500", FaultSpec.none().withP500(1.0), null, d -> d.errors(500), 30);
        long injected = run.stats.get(BAD).errors(500);
        long traced = run.count(BAD + ":500");
        System.out.printf("RegionFaultIT.500: injected %d, traced %d, llm_retries_total %s, calls %s, labels %s%n",
                injected, traced, run.retries, run.calls, run.labels());

        System.out.println("RegionFaultIT.500 back-to-bad traces: " + run.backToBad());
        run.assertEachJobSucceededOnce();
        assertThat(injected).as("500s the simulator injected").isGreaterThanOrEqualTo(30);
        run.assertEveryFailureInBadFollowedByAnotherRegion(BAD + ":500");
        for (JobResult r : run.results()) {
            if (r.trace().contains(BAD + ":500")) {
                assertThat(r.region()).as("region that answered %s after %s", r.id(), r.trace()).isNotEqualTo(BAD);
            }
        }
        assertThat(traced).as("'%s:500' trace entries", BAD).isEqualTo(injected);
        assertThat(QuotaIT.sumFor(run.retries, BAD)).as("llm_retries_total for %s", BAD).isEqualTo(injected);
        assertThat(run.retries.values().stream().mapToLong(Long::longValue).sum()).isPositive();
        run.assertBadRegionServedSecondWave();
    }

    @Test
    void regionHangsForAPeriod_callsTimeOutAndAreRetriedInOtherRegions_everyJobSucceeds() {
        Run run = runWithFault("hang", FaultSpec.none().withPHang(1.0), "request-timeout-ms: 500", DeploymentStats::hangs,
                20);
        long injected = run.stats.get(BAD).hangs();
        long traced = run.count(BAD + ":timeout");
        System.out.printf("RegionFaultIT.hang: hangs %d, traced timeouts %d, llm_retries_total %s, calls %s, "
                + "labels %s%n", injected, traced, run.retries, run.calls, run.labels());

        System.out.println("RegionFaultIT.hang back-to-bad traces: " + run.backToBad());
        run.assertEachJobSucceededOnce();
        assertThat(injected).as("hangs the simulator injected").isGreaterThanOrEqualTo(20);
        run.assertEveryFailureInBadFollowedByAnotherRegion(BAD + ":timeout");
        assertThat(traced).as("'%s:timeout' trace entries", BAD).isEqualTo(injected);
        assertThat(QuotaIT.sumFor(run.retries, BAD)).as("llm_retries_total for %s", BAD).isEqualTo(injected);
        run.assertBadRegionServedSecondWave();
    }

    @Test
    void regionAnswers503AndResetsConnectionsForAPeriod_attemptsRetriedInOtherRegions_everyJobSucceeds() {
        Run run = runWithFault("r503", FaultSpec.none().withP503(0.5).withPReset(0.5), null,
                d -> d.errors(503) + d.resets(), 40);
        DeploymentStats bad = run.stats.get(BAD);
        Map<String, Long> labels = run.labels();
        long traced503 = run.count(BAD + ":503");
        long tracedOther = labels.entrySet().stream()
                .filter(e -> e.getKey().startsWith(BAD + ":") && !e.getKey().equals(BAD + ":503")
                        && !e.getKey().equals(BAD + ":200"))
                .mapToLong(Map.Entry::getValue).sum();
        System.out.printf("RegionFaultIT.503+reset: 503s %d, resets %d, traced 503 %d, traced other failures %d, "
                + "llm_retries_total %s, calls %s, labels %s%n", bad.errors(503), bad.resets(), traced503, tracedOther,
                run.retries, run.calls, labels);

        System.out.println("RegionFaultIT.503+reset back-to-bad traces: " + run.backToBad());
        run.assertEachJobSucceededOnce();
        assertThat(bad.errors(503)).as("503s injected").isPositive();
        assertThat(bad.resets()).as("resets injected").isPositive();
        assertThat(traced503).as("'%s:503' trace entries", BAD).isEqualTo(bad.errors(503));
        assertThat(tracedOther).as("other failed attempts in %s (the resets)", BAD).isEqualTo(bad.resets());
        for (JobResult r : run.results()) {
            List<String> trace = r.trace();
            for (int i = 0; i < trace.size() - 1; i++) {
                if (trace.get(i).startsWith(BAD + ":")) {
                    assertThat(QuotaIT.region(trace.get(i + 1))).as("region after a failure in %s", trace)
                            .isNotEqualTo(BAD);
                }
            }
        }
        assertThat(QuotaIT.sumFor(run.retries, BAD)).as("llm_retries_total for %s", BAD)
                .isEqualTo(bad.errors(503) + bad.resets());
        run.assertBadRegionServedSecondWave();
    }

    /**
     * Switches {@code fault} on in {@link #BAD}, sends a first wave of jobs, waits until the simulator has injected
     * {@code minFaults} (by {@code faultCount}), switches the fault off, sends a second wave and waits for every result.
     */
    private Run runWithFault(String prefix, FaultSpec fault, String workerExtra,
            ToLongFunction<DeploymentStats> faultCount, long minFaults) {
        List<Job> wave1 = QuotaIT.jobs(prefix + "-a", 600);
        List<Job> wave2 = QuotaIT.jobs(prefix + "-b", 300);
        Cluster.Topics t = cluster.topics(4);
        try (Simulator sim = Simulator.start(SimulatorConfig.parse(SIM))) {
            Map<String, Long> retries;
            Map<String, Long> calls;
            try (Worker worker = cluster.startWorker(Cluster.workerYaml(sim, t, SCALE, workerExtra), sim)) {
                sim.setFaults(BAD, fault);
                cluster.produce(t.jobs(), Jobs.records(wave1));
                await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(20))
                        .until(() -> faultCount.applyAsLong(sim.stats(BAD).deployment(DEPLOYMENT)) >= minFaults);
                sim.setFaults(BAD, FaultSpec.none());
                cluster.awaitResults(t.results(), Cluster.allOf(QuotaIT.ids(wave1)), Duration.ofSeconds(40));
                cluster.produce(t.jobs(), Jobs.records(wave2));
                Set<String> all = new HashSet<>(QuotaIT.ids(wave1));
                all.addAll(QuotaIT.ids(wave2));
                cluster.awaitResults(t.results(), Cluster.allOf(all), Duration.ofSeconds(40));
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

    /** What one run left behind, read after the worker stopped (the simulator is closed by then). */
    private record Run(Simulator sim, List<Job> jobs, List<Job> wave2, Map<String, List<JobResult>> byId,
                       Map<String, DeploymentStats> stats, Map<String, Long> retries, Map<String, Long> calls) {

        List<JobResult> results() {
            return byId.values().stream().flatMap(List::stream).toList();
        }

        long count(String entry) {
            return QuotaIT.countTrace(byId, entry);
        }

        /** Traces in which an attempt in {@link #BAD} is followed by another attempt in {@link #BAD}. */
        Map<String, Long> backToBad() {
            return results().stream().filter(r -> {
                List<String> tr = r.trace();
                for (int i = 0; i + 1 < tr.size(); i++) {
                    if (tr.get(i).startsWith(BAD + ":") && tr.get(i + 1).startsWith(BAD + ":")) {
                        return true;
                    }
                }
                return false;
            }).collect(Collectors.groupingBy(r -> String.join(",", r.trace()), TreeMap::new, Collectors.counting()));
        }

        /** Every trace entry with how often it occurs, e.g. {@code eastus:timeout=41}. */
        Map<String, Long> labels() {
            return results().stream().flatMap(r -> r.trace().stream())
                    .collect(Collectors.groupingBy(e -> e, TreeMap::new, Collectors.counting()));
        }

        void assertEachJobSucceededOnce() {
            QuotaIT.assertEachJobSucceededOnceWithFakeModelOutput(jobs, byId, sim);
            assertThat(results()).extracting(JobResult::status).containsOnly(Status.SUCCEEDED);
        }

        void assertEveryFailureInBadFollowedByAnotherRegion(String failure) {
            Predicate<JobResult> failedInBad = r -> r.trace().contains(failure);
            assertThat(results().stream().filter(failedInBad).count()).as("jobs with %s", failure).isPositive();
            for (JobResult r : results()) {
                List<String> trace = r.trace();
                for (int i = 0; i < trace.size(); i++) {
                    if (trace.get(i).equals(failure)) {
                        assertThat(i + 1).as("an attempt after %s in %s", failure, trace).isLessThan(trace.size());
                        assertThat(QuotaIT.region(trace.get(i + 1))).as("region after %s in %s", failure, trace)
                                .isNotEqualTo(BAD);
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
