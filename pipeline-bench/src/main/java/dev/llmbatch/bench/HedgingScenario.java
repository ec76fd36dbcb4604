package dev.llmbatch.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmbatch.bench.report.Report;
import dev.llmbatch.bench.stats.Percentiles;
import dev.llmbatch.core.config.ConfigException;
import dev.llmbatch.core.config.PipelineConfig;
import dev.llmbatch.simulator.DeploymentStats;
import dev.llmbatch.simulator.Simulator;
import dev.llmbatch.simulator.SimulatorConfig;
import dev.llmbatch.worker.Worker;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Issue 15's scenario: the same backlog of translate jobs (a third Japanese, seeded) against three regions, one of
 * which has a heavy tail and stalls a few calls for 30 simulated seconds, with hedging off and then on
 * ({@code models.<pool>.hedging.enabled}), each against a fresh simulator with the same seed. A batch is done when
 * its slowest job is, so the figures are about the end: makespan (worker start to the last result), tail (99% to
 * 100% of results), p99 of the results' {@code latency_ms}, jobs/s while the backlog lasts (worker start to 90% of
 * results) and the extra tokens hedges cost ({@code hedged.extra_tokens} summed over the results / tokens in their
 * usage). Done times are the broker's append times of the result records.
 *
 * <p>The result contract read here: a hedged job's result carries {@code "hedged": {"won": "hedge"|"original",
 * "extra_tokens": N}} and its usage includes the tokens billed by both calls. While the worker's config does not
 * know {@code hedging}, the "on" run runs without the key (so it behaves like "off") and the report says so.
 */
final class HedgingScenario {
    static final double TIME_SCALE = 10;
    static final String STALLING = "westeurope";
    /**
     * Unpacked, so that every call is one job and may be hedged; learned answer budgets off, so that every job
     * reserves the same in both runs and the backlog phase is bound by the quota, not by what was learned so far.
     */
    static final String POOL = "batching: {enabled: false}\nadaptive-max-tokens: {enabled: false}";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One simulated region: quota and latency (YAML flow map). */
    record Region(String name, long tpm, long rpm, String latency) {
    }

    /**
     * Token-bound quotas (RPM never binds); westeurope: p99 / p50 of its own spread 6.4, and 5% of its calls stall
     * (about 1.4% of all jobs, so that the stalls reach the p99 of job latency).
     */
    static final List<Region> REGIONS = List.of(
            new Region("japaneast", 60_000, 30_000, "{rtt-ms: 20, ttft-ms: 500, tps: 100}"),
            new Region("eastus", 40_000, 20_000, "{rtt-ms: 40, ttft-ms: 600, tps: 80, multiplier: 1.3}"),
            new Region(STALLING, 40_000, 20_000, "{rtt-ms: 30, ttft-ms: 600, tps: 80, tail-sigma: 0.8, "
                    + "stall-probability: 0.05, stall-ms: 30000}"));

    private HedgingScenario() {
    }

    static String simYaml(long seed) {
        StringBuilder y = new StringBuilder(String.format(Locale.ROOT, "time-scale: %s%nseed: %d%napi-keys: [%s]%n"
                + "regions:%n", SimSetup.num(TIME_SCALE), seed, SimSetup.SIM_KEY));
        for (Region r : REGIONS) {
            y.append("  - name: ").append(r.name()).append('\n');
            y.append("    latency: ").append(r.latency()).append('\n');
            y.append(String.format(Locale.ROOT, "    deployments: [{name: %s, model: gpt-4o-mini-2024-07-18, "
                    + "tpm: %d, rpm: %d}]%n", SimSetup.DEPLOYMENT, r.tpm(), r.rpm()));
        }
        return y.toString();
    }

    /** One finished job as read back from the results topic. */
    record Done(String id, long doneWallMillis, long latencyMs, long usageTokens, boolean hedged, String won,
                long extraTokens) {
    }

    /** The figures of one run, from its results (wall times; ratios are what the report uses). */
    record Measures(int jobs, double makespanS, double tailS, double p99LatencyMs, double backlogJobsPerS,
                    long hedged, long hedgeWon, long extraTokens, long usageTokens) {

        static Measures of(List<Done> done, long t0WallMillis) {
            long[] at = done.stream().mapToLong(Done::doneWallMillis).sorted().toArray();
            int n = at.length;
            if (n == 0) {
                return new Measures(0, 0, 0, 0, 0, 0, 0, 0, 0);
            }
            long end = at[n - 1];
            long p99 = at[Math.max(0, (int) Math.ceil(0.99 * n) - 1)];
            int k90 = Math.max(1, (int) Math.ceil(0.90 * n));
            long t90 = at[k90 - 1];
            double backlog = k90 / Math.max(1e-3, (t90 - t0WallMillis) / 1000.0);
            double lat = Percentiles.of(done.stream().mapToLong(Done::latencyMs).toArray()).percentile(99);
            return new Measures(n, (end - t0WallMillis) / 1000.0, (end - p99) / 1000.0, lat, backlog,
                    done.stream().filter(Done::hedged).count(),
                    done.stream().filter(d -> "hedge".equals(d.won())).count(),
                    done.stream().mapToLong(Done::extraTokens).sum(), done.stream().mapToLong(Done::usageTokens).sum());
        }

        double extraTokenShare() {
            return AdaptiveScenario.ratio(extraTokens, usageTokens);
        }
    }

    /** One run's measures and the simulator's counters. */
    record Run(Measures m, boolean hedgingKey, long duplicates, long stalls, long cancelled, long billed,
               long cancelledBilled) {
    }

    /** The on / off figures of the report. */
    record Ratios(double makespan, double tail, double p99Latency, double extraTokenShare, double backlogThroughput) {
        static Ratios of(Measures on, Measures off) {
            return new Ratios(AdaptiveScenario.ratio(on.makespanS(), off.makespanS()),
                    AdaptiveScenario.ratio(on.tailS(), off.tailS()),
                    AdaptiveScenario.ratio(on.p99LatencyMs(), off.p99LatencyMs()), on.extraTokenShare(),
                    AdaptiveScenario.ratio(on.backlogJobsPerS(), off.backlogJobsPerS()));
        }
    }

    /** Parses one result record's JSON (the worker's result contract plus the hedging keys). */
    static Done parse(String id, long timestamp, JsonNode r) {
        JsonNode usage = r.path("usage");
        JsonNode hedged = r.path("hedged");
        boolean h = hedged.isObject();
        return new Done(id, timestamp, r.path("latency_ms").asLong(),
                usage.path("prompt_tokens").asLong() + usage.path("completion_tokens").asLong(), h,
                h ? hedged.path("won").asText(null) : null, h ? hedged.path("extra_tokens").asLong() : 0);
    }

    static void run(Context ctx) throws Exception {
        boolean quick = ctx.settings.quick();
        long seed = ctx.settings.seed();
        int n = quick ? 1_500 : 6_000;
        List<Workload.Item> jobs = AdaptiveScenario.translateJobs("hd", n, seed + 15, false);
        // the first worker of the JVM runs cold (JIT) and at time-scale 10 that shows as a slower backlog: a short
        // run whose figures are thrown away, so that off (run first) is not handicapped against on
        once(ctx, "hedging-warmup", AdaptiveScenario.translateJobs("hw", n / 5, seed + 16, false), false);
        Run off = once(ctx, "hedging-off", jobs, false);
        Run on = once(ctx, "hedging-on", jobs, true);
        Ratios r = Ratios.of(on.m(), off.m());

        ObjectNode h = ctx.json.putObject("hedging");
        h.put("makespan_ratio", Report.round(r.makespan(), 4));
        h.put("tail_ratio", Report.round(r.tail(), 4));
        h.put("p99_latency_ratio", Report.round(r.p99Latency(), 4));
        h.put("extra_token_share", Report.round(r.extraTokenShare(), 5));
        h.put("backlog_throughput_ratio", Report.round(r.backlogThroughput(), 4));
        h.put("hedging_key_accepted", on.hedgingKey());
        h.put("jobs", n);
        h.put("time_scale", TIME_SCALE);
        ObjectNode d = h.putObject("detail");
        for (Run x : List.of(off, on)) {
            Measures m = x.m();
            d.putObject(x == off ? "off" : "on")
                    .put("makespan_simulated_s", Report.round(m.makespanS() * TIME_SCALE, 1))
                    .put("tail_simulated_s", Report.round(m.tailS() * TIME_SCALE, 1))
                    .put("p99_latency_ms", Report.round(m.p99LatencyMs(), 0))
                    .put("backlog_jobs_per_simulated_s", Report.round(m.backlogJobsPerS() / TIME_SCALE, 2))
                    .put("hedged_jobs", m.hedged()).put("hedges_won", m.hedgeWon())
                    .put("extra_tokens", m.extraTokens()).put("usage_tokens", m.usageTokens())
                    .put("duplicate_results", x.duplicates()).put("sim_stalls", x.stalls())
                    .put("sim_cancelled", x.cancelled()).put("sim_billed_tokens", x.billed())
                    .put("sim_cancelled_billed_tokens", x.cancelledBilled());
        }
        h.put("sim_extra_billed_share", Report.round(AdaptiveScenario.ratio(
                (on.billed() + on.cancelledBilled()) - (off.billed() + off.cancelledBilled()),
                on.billed() + on.cancelledBilled()), 5));
        report(ctx, n, r, off, on);
    }

    private static void report(Context ctx, int n, Ratios r, Run off, Run on) {
        String s = "15 hedging";
        ctx.summary(s, "p99 job latency on / off", "<= 0.4", Report.f(r.p99Latency(), 3), r.p99Latency() <= 0.4);
        ctx.summary(s, "tail (99% -> 100%) on / off", "<= 0.5", Report.f(r.tail(), 3), r.tail() <= 0.5);
        ctx.summary(s, "extra tokens / billed tokens", "<= 0.03", Report.f(r.extraTokenShare(), 4),
                r.extraTokenShare() <= 0.03);
        ctx.summary(s, "backlog jobs/s on / off", ">= 0.99", Report.f(r.backlogThroughput(), 3),
                r.backlogThroughput() >= 0.99);
        ctx.summary(s, "makespan on / off", "info", Report.f(r.makespan(), 3), null);

        Report rep = ctx.section("hedging");
        rep.h2("15. Hedging straggling calls");
        StringBuilder regions = new StringBuilder();
        for (Region x : REGIONS) {
            regions.append(regions.length() == 0 ? "" : "; ").append(String.format(Locale.ROOT,
                    "%s %,d TPM latency %s", x.name(), x.tpm(), x.latency()));
        }
        rep.p(String.format(Locale.ROOT, "%,d translate jobs (task `translate`, max_tokens 200, a third Japanese, "
                        + "seeded), all published before the worker starts, against fresh simulators (seed %d, "
                        + "time-scale %s) with regions %s. Each run has its own learned-state topic. Worker pool: "
                        + "`%s` plus `hedging: {enabled: false}` "
                        + "(off), then `hedging: {enabled: true}` (on). Makespan: worker start to the last result; "
                        + "tail: 99%% to 100%% of results; p99 latency: the results' `latency_ms`; backlog jobs/s: "
                        + "90%% of the jobs over worker start to the 90%% point; extra tokens: `hedged.extra_tokens` "
                        + "over the tokens in the results' usage. A discarded warm-up run (a fifth of the jobs) goes "
                        + "first, so that the off run does not pay for a cold JVM.%s",
                n, ctx.settings.seed(), SimSetup.num(TIME_SCALE), regions, POOL.replace("\n", "; "),
                on.hedgingKey() ? "" : " **The worker's config does not know `hedging` yet: the on run ran "
                        + "without the key, so it measures the same thing as off.**"));
        List<List<String>> rows = new ArrayList<>();
        for (Run x : List.of(off, on)) {
            Measures m = x.m();
            rows.add(List.of(x == off ? "off" : "on", Report.f(m.makespanS() * TIME_SCALE, 1),
                    Report.f(m.tailS() * TIME_SCALE, 1), Report.f(m.p99LatencyMs(), 0),
                    Report.f(m.backlogJobsPerS() / TIME_SCALE, 2), Long.toString(m.hedged()),
                    Long.toString(m.hedgeWon()), Report.pct(m.extraTokenShare()), Long.toString(x.stalls()),
                    Long.toString(x.cancelled()), Long.toString(x.duplicates())));
        }
        rep.table(List.of("run", "makespan (sim s)", "tail (sim s)", "p99 latency_ms", "backlog jobs / sim s",
                "hedged", "hedge won", "extra tokens", "stalls", "cancelled (sim)", "duplicate results"), rows);
    }

    private static Run once(Context ctx, String name, List<Workload.Item> jobs, boolean hedging) throws Exception {
        SimSetup.Topics t = ctx.topics(name);
        BenchKafka.produce(ctx.bootstrap(), t.jobs(), jobs);
        try (Simulator sim = Simulator.start(SimulatorConfig.parse(simYaml(ctx.settings.seed())));
             SimProbe probe = new SimProbe(sim);
             BenchKafka.ResultCollector results = new BenchKafka.ResultCollector(ctx.bootstrap(), t.results(),
                     false, null)) {
            // each run learns from scratch: its own state topic, not the one the previous run left behind
            String workerExtra = "learning: {state-topic: " + t.jobs() + ".state}";
            String base = SimSetup.workerYaml(SimSetup.endpoints(sim), ctx.bootstrap(), t, TIME_SCALE, false,
                    workerExtra, POOL + "\nhedging: {enabled: " + hedging + "}") + AdaptiveScenario.TASKS;
            boolean keyAccepted = true;
            PipelineConfig config;
            try {
                config = SimSetup.workerConfig(base);
            } catch (ConfigException e) {
                // the worker does not know the hedging key yet: run without it (hedging is then simply absent)
                keyAccepted = false;
                config = SimSetup.workerConfig(SimSetup.workerYaml(SimSetup.endpoints(sim), ctx.bootstrap(), t,
                        TIME_SCALE, false, workerExtra, POOL) + AdaptiveScenario.TASKS);
                ctx.log("hedging %s: config rejects the hedging key (%s); running without it", name, e.getMessage());
            }
            long t0;
            try (Worker worker = Worker.start(config, SimSetup.workerEnv())) {
                t0 = System.currentTimeMillis();
                if (!results.awaitCount(jobs.size(), Duration.ofMinutes(ctx.settings.quick() ? 4 : 12))) {
                    throw new IllegalStateException(name + ": answered " + results.distinct() + " of " + jobs.size());
                }
                ctx.log("hedging %s: llm_hedges_total %s", name, worker.metrics().family("llm_hedges_total"));
            }
            Map<String, DeploymentStats> end = probe.stats();
            List<Done> done = new ArrayList<>(jobs.size());
            long duplicates = readResults(ctx.bootstrap(), t.results(), done);
            Measures m = Measures.of(done, t0);
            Run run = new Run(m, keyAccepted, duplicates, SimProbe.sum(end, DeploymentStats::stalls),
                    SimProbe.sum(end, DeploymentStats::cancelled), SimProbe.sum(end, DeploymentStats::billedTokens),
                    SimProbe.sum(end, DeploymentStats::cancelledBilledTokens));
            ctx.log("hedging %s: %d jobs, makespan %.1f sim s, tail %.1f sim s, p99 latency %.0f ms, backlog %.2f "
                            + "jobs/sim s, %d hedged (%d won by the hedge), extra %.4f, sim stalls %d, cancelled %d, "
                            + "duplicates %d", name, m.jobs(), m.makespanS() * TIME_SCALE, m.tailS() * TIME_SCALE,
                    m.p99LatencyMs(), m.backlogJobsPerS() / TIME_SCALE, m.hedged(), m.hedgeWon(),
                    m.extraTokenShare(), run.stalls(), run.cancelled(), duplicates);
            return run;
        }
    }

    /** Reads every committed result (first per id into {@code out}); returns the number of duplicates. */
    private static long readResults(String bootstrap, String topic, List<Done> out) {
        Map<String, Done> byId = new HashMap<>();
        long[] duplicates = {0};
        ReliabilityScenario.readTopic(bootstrap, topic, r -> {
            String id = new String(r.key(), StandardCharsets.UTF_8);
            if (byId.containsKey(id)) {
                duplicates[0]++;
                return;
            }
            try {
                byId.put(id, parse(id, r.timestamp(), JSON.readTree(r.value())));
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException("result " + id + " is not JSON", e);
            }
        });
        out.addAll(byId.values());
        return duplicates[0];
    }

    /** For tests: the measures of done times given in seconds after t0 = 0. */
    static Measures measuresOfSeconds(double... doneS) {
        List<Done> done = new ArrayList<>();
        double[] sorted = doneS.clone();
        Arrays.sort(sorted);
        for (int i = 0; i < sorted.length; i++) {
            done.add(new Done("j" + i, (long) (sorted[i] * 1000), 100, 10, false, null, 0));
        }
        return Measures.of(done, 0);
    }
}
