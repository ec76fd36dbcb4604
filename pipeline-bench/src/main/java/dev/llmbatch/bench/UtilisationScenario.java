package dev.llmbatch.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmbatch.bench.baseline.BaselineClient;
import dev.llmbatch.bench.baseline.CarefulScriptClient;
import dev.llmbatch.bench.baseline.LeakyBucketClient;
import dev.llmbatch.bench.baseline.RoundRobinClient;
import dev.llmbatch.bench.chart.Chart;
import dev.llmbatch.bench.report.Report;
import dev.llmbatch.bench.stats.SecondSeries;
import dev.llmbatch.bench.stats.Windows;
import dev.llmbatch.core.result.Status;
import dev.llmbatch.simulator.DeploymentStats;
import dev.llmbatch.simulator.Simulator;
import dev.llmbatch.simulator.SimulatorConfig;
import dev.llmbatch.worker.Worker;
import java.awt.Color;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Scenario 1: three regions with different quotas and latencies, a backlog larger than the run can use; the pipeline
 * and the two baselines each against a fresh simulator for the same simulated duration, measured over the steady
 * part from the simulator's per-second admitted series and its counters.
 */
final class UtilisationScenario {
    static final double TARGET_ADMITTED = 0.97;
    static final double TARGET_429 = 0.005;
    static final double TARGET_THROUGHPUT = 0.97;

    private UtilisationScenario() {
    }

    /** One contender's numbers. */
    record Outcome(String name, long t0, Windows.Range steady, Map<String, SecondSeries> series,
                   Map<String, DeploymentStats> finalStats, long admitted, double admittedRatio, long billed,
                   double billedRatio, long requests, long rateLimited, double rateLimitedShare,
                   Map<String, Double> regionRatio, Map<String, Double> peakWindowRatio, String note, long lost,
                   double jobsPerMin) {
        Outcome withLost(long n) {
            return new Outcome(name, t0, steady, series, finalStats, admitted, admittedRatio, billed, billedRatio,
                    requests, rateLimited, rateLimitedShare, regionRatio, peakWindowRatio, note, n, jobsPerMin);
        }
    }

    /** Issue 9's comparison on Japanese translate jobs: the pipeline vs the careful script. */
    record Japanese(Outcome pipeline, Outcome careful, int jobs, int durationS, int warmupS) {
        double throughputRatio() {
            return careful.admittedRatio() == 0 ? 0 : pipeline.admittedRatio() / careful.admittedRatio();
        }

        boolean pass() {
            return throughputRatio() >= TARGET_THROUGHPUT && pipeline.rateLimitedShare() <= TARGET_429
                    && pipeline.lost() == 0;
        }
    }

    /** Counters at the start and end of the steady part. */
    record Measured(long t0, Map<String, DeploymentStats> atStart, Map<String, DeploymentStats> atEnd,
                    Map<String, DeploymentStats> last) {
    }

    static Measured measure(SimProbe p, int warmupS, int durationS, Runnable stop) throws Exception {
        long t0 = p.awaitFirstAdmission(Duration.ofSeconds(120));
        p.awaitSimSecond(t0 + warmupS);
        Map<String, DeploymentStats> a = p.stats();
        p.awaitSimSecond(t0 + durationS);
        Map<String, DeploymentStats> b = p.stats();
        stop.run();
        return new Measured(t0, a, b, p.stats());
    }

    static Outcome outcome(String name, Measured m, int warmupS, int durationS, long summedTpm,
            java.util.function.BiFunction<Long, Long, Long> billedTokens, String note) {
        Map<String, SecondSeries> series = new LinkedHashMap<>();
        m.last().forEach((r, d) -> series.put(r, SimProbe.series(d)));
        SecondSeries total = SecondSeries.plus(List.copyOf(series.values()));
        Windows.Range steady = Windows.steady(m.t0(), warmupS, durationS, total.endSecond());
        long admitted = total.sum(steady.from(), steady.to());
        long requests = SimProbe.sum(m.atEnd(), DeploymentStats::requests)
                - SimProbe.sum(m.atStart(), DeploymentStats::requests);
        long limited = SimProbe.sum(m.atEnd(), DeploymentStats::rateLimited)
                - SimProbe.sum(m.atStart(), DeploymentStats::rateLimited);
        long billed = billedTokens.apply(steady.from(), steady.to());
        Map<String, Double> regionRatio = new LinkedHashMap<>();
        Map<String, Double> peak = new LinkedHashMap<>();
        series.forEach((r, s) -> {
            DeploymentStats d = m.last().get(r);
            regionRatio.put(r, Windows.perMinuteRatio(s.sum(steady.from(), steady.to()), steady, d.tpm()));
            peak.put(r, (double) d.maxTokensIn60s() / d.tpm());
        });
        long jobsDone = SimProbe.sum(m.atEnd(), DeploymentStats::admittedJobs)
                - SimProbe.sum(m.atStart(), DeploymentStats::admittedJobs);
        return new Outcome(name, m.t0(), steady, series, m.last(), admitted,
                Windows.perMinuteRatio(admitted, steady, summedTpm), billed,
                Windows.perMinuteRatio(billed, steady, summedTpm), requests, limited,
                Windows.share(limited, requests), regionRatio, peak, note, 0,
                jobsDone * 60.0 / Math.max(1, durationS - warmupS));
    }

    static void run(Context ctx) throws Exception {
        Settings s = ctx.settings;
        List<SimSetup.RegionSpec> regions = SimSetup.REGIONS;
        long summedTpm = SimSetup.summedTpm(regions);
        // a backlog the run cannot finish: utilBacklogQuotaMinutes of summed quota (run: utilDurationS)
        List<Workload.Item> probe = Workload.tokenBound("probe", 200, s.seed());
        double avgCost = (double) Workload.totalCost(probe) / probe.size();
        int count = (int) Math.ceil(summedTpm * s.utilBacklogQuotaMinutes() / avgCost);
        List<Workload.Item> jobs = Workload.tokenBound("util", count, s.seed());
        ctx.log("utilisation: %d token-bound jobs (%.0f tokens charged each on average, %.1f quota-minutes), "
                + "time-scale %s, %d simulated s per contender", count, avgCost,
                Workload.totalCost(jobs) / (double) summedTpm, SimSetup.num(s.utilTimeScale()), s.utilDurationS());

        warmUp(ctx);
        List<Outcome> outcomes = new ArrayList<>();
        outcomes.add(runPipeline(ctx, jobs, summedTpm));
        outcomes.add(runBaseline(ctx, jobs, summedTpm, "round_robin"));
        outcomes.add(runBaseline(ctx, jobs, summedTpm, "leaky"));
        outcomes.add(runBaseline(ctx, jobs, summedTpm, "careful"));
        Japanese ja = japanese(ctx);
        report(ctx, outcomes, count, avgCost, summedTpm, ja);
    }

    /**
     * JIT warm-up of the in-process worker and simulator (tokenizer on long prompts, HTTP, JSON, Kafka) against an
     * instant, unlimited simulator, so that the measured runs do not start with compilation stalls: at time-scale 20
     * a 250 ms stall is 5 simulated seconds, which clumps arrivals at the simulator (a production worker runs for
     * hours and is long past this).
     */
    static void warmUp(Context ctx) throws Exception {
        long t0 = System.nanoTime();
        List<Workload.Item> jobs = Workload.tokenBound("warm", 3000, ctx.settings.seed() + 9);
        SimSetup.Topics t = ctx.topics("warmup");
        BenchKafka.produce(ctx.bootstrap(), t.jobs(), jobs);
        try (Simulator sim = SimSetup.startSimulator(SimSetup.REGIONS, 1, SimSetup.Latency.INSTANT, true,
                ctx.settings.seed());
             BenchKafka.ResultCollector results = new BenchKafka.ResultCollector(ctx.bootstrap(), t.results(),
                     false, null);
             Worker worker = Worker.start(SimSetup.workerConfig(SimSetup.workerYaml(sim, ctx.bootstrap(), t, 1, true,
                     null)), SimSetup.workerEnv())) {
            if (!results.awaitCount(jobs.size(), Duration.ofMinutes(5))) {
                throw new IllegalStateException("warm-up answered " + results.distinct() + " of " + jobs.size());
            }
        }
        ctx.log("utilisation: JIT warm-up (%d jobs through an instant simulator) took %.1f s", jobs.size(),
                (System.nanoTime() - t0) / 1e9);
    }

    private static Outcome runPipeline(Context ctx, List<Workload.Item> jobs, long summedTpm) throws Exception {
        Settings s = ctx.settings;
        SimSetup.Topics t = ctx.topics("util");
        long p0 = System.nanoTime();
        BenchKafka.produce(ctx.bootstrap(), t.jobs(), jobs);
        ctx.log("utilisation/pipeline: backlog of %d jobs produced in %.1f s", jobs.size(),
                (System.nanoTime() - p0) / 1e9);
        try (Simulator sim = SimSetup.startSimulator(SimSetup.REGIONS, s.utilTimeScale(),
                SimSetup.Latency.REALISTIC, false, s.seed()); SimProbe probe = new SimProbe(sim)) {
            AtomicLongArray billed = new AtomicLongArray(7200);
            java.util.concurrent.atomic.AtomicLong failed = new java.util.concurrent.atomic.AtomicLong();
            String yaml = SimSetup.workerYaml(sim, ctx.bootstrap(), t, s.utilTimeScale(), false, null);
            try (BenchKafka.ResultCollector results = new BenchKafka.ResultCollector(ctx.bootstrap(), t.results(),
                    false, o -> {
                        if (o.result().status() != Status.SUCCEEDED) {
                            failed.incrementAndGet();
                        }
                        if (o.result().status() == Status.SUCCEEDED) {
                            double sec = probe.simSecondOfWall(o.recordTimestamp() - o.result().latencyMs());
                            int i = (int) Math.floor(sec);
                            if (i >= 0 && i < billed.length()) {
                                billed.addAndGet(i, o.result().usage().promptTokens()
                                        + o.result().usage().completionTokens());
                            }
                        }
                    })) {
                Worker worker = Worker.start(SimSetup.workerConfig(yaml), SimSetup.workerEnv());
                Measured m;
                try {
                    m = measure(probe, s.warmupS(), s.utilDurationS(), () -> { });
                } finally {
                    worker.close();
                }
                Outcome o = outcome("pipeline", m, s.warmupS(), s.utilDurationS(), summedTpm, (from, to) -> {
                    long sum = 0;
                    for (long i = Math.max(0, from); i < Math.min(to, billed.length()); i++) {
                        sum += billed.get((int) i);
                    }
                    return sum;
                }, results.distinct() + " results").withLost(failed.get());
                ctx.log("utilisation/pipeline: admitted %.4f of summed TPM, 429 share %.4f", o.admittedRatio(),
                        o.rateLimitedShare());
                return o;
            }
        }
    }

    private static BaselineClient client(String mode, List<BaselineClient.Endpoint> eps, List<Workload.Item> jobs,
            Simulator sim, SimProbe probe, double timeScale, Settings s) {
        return switch (mode) {
            case "round_robin" -> new RoundRobinClient(eps, jobs, sim.simulatedClock(), probe.simStartNanos,
                    timeScale, SimSetup.SIM_KEY, s.roundRobinConcurrency());
            case "leaky" -> new LeakyBucketClient(eps, jobs, sim.simulatedClock(), probe.simStartNanos, timeScale,
                    SimSetup.SIM_KEY, s.leakyFraction());
            case "careful" -> new CarefulScriptClient(eps, jobs, sim.simulatedClock(), probe.simStartNanos,
                    timeScale, SimSetup.SIM_KEY, CarefulScriptClient.DEFAULT_BUCKET_SECONDS);
            default -> throw new IllegalArgumentException("baseline mode " + mode);
        };
    }

    private static long lostOf(BaselineClient c) {
        return c instanceof CarefulScriptClient cs ? cs.lost() : 0;
    }

    private static Outcome runBaseline(Context ctx, List<Workload.Item> jobs, long summedTpm, String mode)
            throws Exception {
        Settings s = ctx.settings;
        try (Simulator sim = SimSetup.startSimulator(SimSetup.REGIONS, s.utilTimeScale(),
                SimSetup.Latency.REALISTIC, false, s.seed()); SimProbe probe = new SimProbe(sim)) {
            List<BaselineClient.Endpoint> eps = new ArrayList<>();
            for (SimSetup.RegionSpec r : SimSetup.REGIONS) {
                eps.add(new BaselineClient.Endpoint(r.name(), sim.endpoint(r.name()), r.tpm(), r.rpm()));
            }
            try (BaselineClient c = client(mode, eps, jobs, sim, probe, s.utilTimeScale(), s)) {
                c.start();
                Measured m = measure(probe, s.warmupS(), s.utilDurationS(), c::stop);
                Outcome o = outcome(c.name(), m, s.warmupS(), s.utilDurationS(), summedTpm, c::billedTokens,
                        c.failures() + " transport failures").withLost(lostOf(c));
                ctx.log("utilisation/%s: admitted %.4f of summed TPM, 429 share %.4f, lost %d", c.name(),
                        o.admittedRatio(), o.rateLimitedShare(), o.lost());
                return o;
            }
        }
    }

    /**
     * Issue 9's Japanese comparison: all-Japanese translate jobs (AdaptiveScenario's generator, job max_tokens 200)
     * against AdaptiveScenario's token-bound regions charging by the character rule; the pipeline (default settings:
     * learned budgets and prompt calibration on, packing off) and the careful script each against a fresh simulator,
     * measured over the same steady window as the utilisation runs.
     */
    static Japanese japanese(Context ctx) throws Exception {
        Settings s = ctx.settings;
        double ts = AdaptiveScenario.TIME_SCALE;
        int warm = AdaptiveScenario.WARMUP_S;
        int duration = s.quick() ? 180 : 360;
        int n = s.quick() ? 6_000 : 12_000;
        long summedTpm = AdaptiveScenario.TOKEN_BOUND.stream().mapToLong(AdaptiveScenario.Dep::tpm).sum();
        List<Workload.Item> jobs = AdaptiveScenario.translateJobs("util-ja", n, s.seed() + 3, true);
        String simYaml = AdaptiveScenario.simYaml(AdaptiveScenario.TOKEN_BOUND, ts, "chars", s.seed());

        Outcome pipeline;
        SimSetup.Topics t = ctx.topics("util-ja");
        BenchKafka.produce(ctx.bootstrap(), t.jobs(), jobs);
        try (Simulator sim = Simulator.start(SimulatorConfig.parse(simYaml)); SimProbe probe = new SimProbe(sim)) {
            java.util.concurrent.atomic.AtomicLong failed = new java.util.concurrent.atomic.AtomicLong();
            try (BenchKafka.ResultCollector results = new BenchKafka.ResultCollector(ctx.bootstrap(), t.results(),
                    false, o -> {
                        if (o.result().status() != Status.SUCCEEDED) {
                            failed.incrementAndGet();
                        }
                    })) {
                Worker worker = Worker.start(SimSetup.workerConfig(AdaptiveScenario.workerYaml(sim, ctx, t, ts,
                        AdaptiveScenario.UNPACKED)), SimSetup.workerEnv());
                Measured m;
                try {
                    m = measure(probe, warm, duration, () -> { });
                } finally {
                    worker.close();
                }
                pipeline = outcome("pipeline", m, warm, duration, summedTpm, (a, b) -> 0L,
                        results.distinct() + " results").withLost(failed.get());
            }
        }
        Outcome careful;
        try (Simulator sim = Simulator.start(SimulatorConfig.parse(simYaml)); SimProbe probe = new SimProbe(sim)) {
            List<BaselineClient.Endpoint> eps = new ArrayList<>();
            for (AdaptiveScenario.Dep d : AdaptiveScenario.TOKEN_BOUND) {
                eps.add(new BaselineClient.Endpoint(d.region(), sim.endpoint(d.region()), d.tpm(), d.rpm()));
            }
            try (BaselineClient c = client("careful", eps, AdaptiveScenario.asMessages(jobs), sim, probe, ts, s)) {
                c.start();
                Measured m = measure(probe, warm, duration, c::stop);
                careful = outcome(c.name(), m, warm, duration, summedTpm, c::billedTokens,
                        c.failures() + " transport failures").withLost(lostOf(c));
            }
        }
        Japanese ja = new Japanese(pipeline, careful, n, duration, warm);
        ctx.log("utilisation/japanese: pipeline admitted %.4f (429 %.4f, lost %d, %.0f jobs/min), careful script "
                        + "%.4f (429 %.4f, lost %d, %.0f jobs/min), throughput ratio %.4f", pipeline.admittedRatio(),
                pipeline.rateLimitedShare(), pipeline.lost(), pipeline.jobsPerMin(), careful.admittedRatio(),
                careful.rateLimitedShare(), careful.lost(), careful.jobsPerMin(), ja.throughputRatio());
        return ja;
    }

    private static void report(Context ctx, List<Outcome> outcomes, int count, double avgCost, long summedTpm,
            Japanese ja) throws Exception {
        Settings s = ctx.settings;
        Outcome p = outcomes.get(0);
        ObjectNode u = ctx.json.putObject("utilisation");
        u.put("admitted_ratio", Report.round(p.admittedRatio(), 4));
        u.put("billed_ratio", Report.round(p.billedRatio(), 4));
        u.put("rate_limited_share", Report.round(p.rateLimitedShare(), 5));
        ObjectNode b = u.putObject("baselines");
        for (Outcome o : outcomes.subList(1, outcomes.size())) {
            ObjectNode n = b.putObject(o.name());
            n.put("admitted_ratio", Report.round(o.admittedRatio(), 4));
            n.put("billed_ratio", Report.round(o.billedRatio(), 4));
            n.put("rate_limited_share", Report.round(o.rateLimitedShare(), 5));
        }
        Outcome cs = outcomes.stream().filter(o -> o.name().equals("careful_script")).findFirst().orElseThrow();
        ObjectNode cn = u.putObject("careful_script");
        cn.put("admitted_ratio", Report.round(cs.admittedRatio(), 4));
        cn.put("rate_limited_share", Report.round(cs.rateLimitedShare(), 5));
        cn.put("lost_jobs", cs.lost());
        cn.put("bucket_seconds", CarefulScriptClient.DEFAULT_BUCKET_SECONDS);
        ObjectNode jn = u.putObject("japanese");
        jn.put("pipeline_admitted_ratio", Report.round(ja.pipeline().admittedRatio(), 4));
        jn.put("pipeline_rate_limited_share", Report.round(ja.pipeline().rateLimitedShare(), 5));
        jn.put("pipeline_lost_jobs", ja.pipeline().lost());
        jn.put("careful_script_admitted_ratio", Report.round(ja.careful().admittedRatio(), 4));
        jn.put("careful_script_rate_limited_share", Report.round(ja.careful().rateLimitedShare(), 5));
        jn.put("careful_script_lost_jobs", ja.careful().lost());
        jn.put("throughput_ratio", Report.round(ja.throughputRatio(), 4));
        jn.put("pipeline_jobs_per_min", Report.round(ja.pipeline().jobsPerMin(), 0));
        jn.put("careful_script_jobs_per_min", Report.round(ja.careful().jobsPerMin(), 0));
        jn.put("pass", ja.pass());
        u.put("steady_seconds", p.steady().seconds());
        u.put("time_scale", s.utilTimeScale());
        u.put("summed_tpm", summedTpm);
        u.put("backlog_jobs", count);
        Windows.Range late = new Windows.Range(p.t0() + 120, p.steady().to());
        SecondSeries pSum = SecondSeries.plus(List.copyOf(p.series().values()));
        double lateRatio = Windows.perMinuteRatio(pSum.sum(late.from(), late.to()), late, summedTpm);
        u.put("admitted_ratio_excluding_first_2_min", Report.round(lateRatio, 4));
        u.put("bucket_ceiling_ratio", Report.round(bucketCeiling(summedTpm), 4));
        ObjectNode per = u.putObject("pipeline_per_region_admitted_ratio");
        p.regionRatio().forEach((r, v) -> per.put(r, Report.round(v, 4)));
        ObjectNode peak = u.putObject("pipeline_peak_60s_window_over_tpm");
        p.peakWindowRatio().forEach((r, v) -> peak.put(r, Report.round(v, 4)));

        boolean passA = p.admittedRatio() >= TARGET_ADMITTED;
        boolean pass429 = p.rateLimitedShare() <= TARGET_429;
        ctx.summary("1 utilisation", "admitted tokens/min / summed TPM", ">= 0.97", Report.f(p.admittedRatio(), 4),
                passA);
        ctx.summary("1 utilisation", "429s / requests", "<= 0.5%", Report.pct(p.rateLimitedShare()), pass429);
        ctx.summary("1 utilisation", "Japanese: pipeline / careful-script admitted ratio", ">= 0.97",
                Report.f(ja.throughputRatio(), 4), ja.throughputRatio() >= TARGET_THROUGHPUT);
        ctx.summary("1 utilisation", "Japanese: pipeline 429s / requests", "<= 0.5%",
                Report.pct(ja.pipeline().rateLimitedShare()), ja.pipeline().rateLimitedShare() <= TARGET_429);
        ctx.summary("1 utilisation", "Japanese: pipeline lost jobs", "0", Long.toString(ja.pipeline().lost()),
                ja.pipeline().lost() == 0);

        Report r = ctx.section("utilisation");
        r.h2("1. Utilisation");
        r.p(String.format(java.util.Locale.ROOT, "Regions %s; summed TPM %,d. Backlog %,d token-bound jobs (prompt "
                        + "4,000-6,000 chars, max_tokens %d; %.0f tokens charged per job on average = %.1f minutes "
                        + "of summed quota). Simulator time-scale %s, realistic latency (reference section 6 "
                        + "medians and spread, region factors 0.6 / 1.0 / 1.8). Each contender runs %d simulated s "
                        + "against a fresh simulator; the steady part is simulated seconds [t0+%d, t0+%d) where t0 "
                        + "is the contender's first admitted second (the first minute is excluded: an empty 60 s "
                        + "window admits a full TPM burst). The run stops before the backlog drains, so no drain "
                        + "tail is inside the window. Before the contenders, 3,000 jobs run through the pipeline "
                        + "against an instant simulator to warm up the JIT (at time-scale %s a 250 ms compilation "
                        + "stall is %s simulated seconds of clumped arrivals).",
                regionList(), summedTpm, count, Workload.MAX_TOKENS, avgCost,
                count * avgCost / summedTpm, SimSetup.num(s.utilTimeScale()), s.utilDurationS(), s.warmupS(),
                s.utilDurationS(), SimSetup.num(s.utilTimeScale()), SimSetup.num(0.25 * s.utilTimeScale())));
        List<List<String>> rows = new ArrayList<>();
        for (Outcome o : outcomes) {
            rows.add(List.of(o.name(), Report.f(o.admittedRatio(), 4), Report.f(o.billedRatio(), 4),
                    Report.pct(o.rateLimitedShare()), String.format("%,d / %,d", o.rateLimited(), o.requests()),
                    perRegion(o.regionRatio()), perRegion(o.peakWindowRatio())));
        }
        r.table(List.of("contender", "admitted / summed TPM", "billed / summed TPM", "429 share", "429s / requests",
                "admitted / TPM per region", "peak 60 s window / TPM (whole run)"), rows);
        r.p(String.format(java.util.Locale.ROOT, "careful_script: one token bucket per region refilled continuously "
                + "at exactly TPM/60 per second, capacity %s s of that rate (Bottleneck reservoir-increase style), "
                + "each request weighted by ceil(chars/4) + 1 + max_tokens, requests at least 60/RPM s apart per "
                + "region, the region with the soonest slot and then the most room; the SDK's in-place retries (2, "
                + "honouring retry-after-ms then retry-after, else 0.5 s x 2^n up to 8 s, no jitter) outside the "
                + "limiter; a job whose retries are used up is lost. Lost jobs over the whole run: %,d; pipeline "
                + "failed results: %,d.", SimSetup.num(CarefulScriptClient.DEFAULT_BUCKET_SECONDS), cs.lost(),
                p.lost()));
        r.p(String.format(java.util.Locale.ROOT, "**Japanese workload** (issue 9): %,d all-Japanese translate jobs "
                        + "(the adaptive scenario's generator, job max_tokens %d) against regions %s charging by the "
                        + "character rule, time-scale %s, each contender %d simulated s against a fresh simulator, "
                        + "steady part [t0+%d, t0+%d). The pipeline runs with its defaults (learned budgets and "
                        + "prompt calibration on, packing off); the careful script sends [system, user] with the "
                        + "job's max_tokens. Throughput ratio = pipeline admitted ratio / careful-script admitted "
                        + "ratio (admitted tokens per minute, as the issue defines it; jobs per minute shown beside "
                        + "it, where learned budgets count).",
                ja.jobs(), AdaptiveScenario.JOB_MAX_TOKENS, "japaneast 40,000 TPM, eastus 20,000 TPM",
                SimSetup.num(AdaptiveScenario.TIME_SCALE), ja.durationS(), ja.warmupS(), ja.durationS()));
        List<List<String>> jrows = new ArrayList<>();
        for (Outcome o : List.of(ja.pipeline(), ja.careful())) {
            jrows.add(List.of(o.name(), Report.f(o.admittedRatio(), 4), Report.pct(o.rateLimitedShare()),
                    String.format("%,d / %,d", o.rateLimited(), o.requests()), Long.toString(o.lost()),
                    String.format(java.util.Locale.ROOT, "%,.0f", o.jobsPerMin())));
        }
        r.table(List.of("contender (Japanese)", "admitted / summed TPM", "429 share", "429s / requests", "lost jobs",
                "admitted jobs / min"), jrows);
        r.table(List.of("target (Japanese, issue 9)", "measured", "verdict"), List.of(
                List.of("pipeline / careful-script throughput >= 0.97", Report.f(ja.throughputRatio(), 4),
                        Report.verdict(ja.throughputRatio() >= TARGET_THROUGHPUT)),
                List.of("pipeline 429s <= 0.5%", Report.pct(ja.pipeline().rateLimitedShare()),
                        Report.verdict(ja.pipeline().rateLimitedShare() <= TARGET_429)),
                List.of("pipeline lost jobs = 0", Long.toString(ja.pipeline().lost()),
                        Report.verdict(ja.pipeline().lost() == 0))));
        r.table(List.of("target", "measured (pipeline)", "verdict"), List.of(
                List.of("admitted >= 0.97 of summed TPM", Report.f(p.admittedRatio(), 4), Report.verdict(passA)),
                List.of("429s <= 0.5% of requests", Report.pct(p.rateLimitedShare()), Report.verdict(pass429))));
        r.p(String.format(java.util.Locale.ROOT, "The pipeline's ceiling with exact window logs (each TPM per "
                + "60 s + the 250 ms margin) is %.4f of summed TPM; it reached %.1f%% of that. Excluding the first 2 simulated minutes (the start-up transient: the first "
                + "window fills to about the TPM with no slack, so a clump of late arrivals draws a few 429s and a "
                + "cooldown dip at ~60 s, visible in the chart) the admitted ratio is %.4f.",
                bucketCeiling(summedTpm), 100 * p.admittedRatio() / bucketCeiling(summedTpm), lateRatio));
        r.p("Billed = usage tokens (prompt + completion) of the answers to requests sent in the steady part, per "
                + "minute, over summed TPM. It is below the admitted ratio by construction: the service charges "
                + "ceil(chars/4) + 1 + max_tokens at admission, more than the tokenizer's prompt count plus the "
                + "1-2 completion tokens actually generated.");
        if (!passA) {
            double ceiling = bucketCeiling(summedTpm);
            r.p(String.format(java.util.Locale.ROOT, "**Why admitted is below 0.97:** the worker's windows admit "
                    + "each TPM per 60 s + a 250 ms margin, so the best it can sustain is %.4f of summed TPM; the "
                    + "rest is start-up and 429 cooldowns. Measured %.4f = %.1f%% of that ceiling.",
                    ceiling, p.admittedRatio(), 100 * p.admittedRatio() / ceiling));
        }
        r.image("admitted tokens per second", "utilisation.png");
        chart(ctx, outcomes, summedTpm);
    }

    /** The sustained rate the bucket shapes allow with the default burst fraction and margin. */
    /**
     * The best the worker's admission can sustain with these quotas, as a share of summed TPM (report key
     * {@code bucket_ceiling_ratio}, kept for the contract): the exact window logs admit each TPM per 60 s + the
     * default 250 ms margin.
     */
    static double bucketCeiling(long summedTpm) {
        double total = 0;
        for (SimSetup.RegionSpec r : SimSetup.REGIONS) {
            total += r.tpm() * 60.0 / 60.25;
        }
        return total / summedTpm;
    }

    static String regionList() {
        StringBuilder sb = new StringBuilder();
        for (SimSetup.RegionSpec r : SimSetup.REGIONS) {
            if (sb.length() > 0) {
                sb.append(", ");
            }
            sb.append(String.format(java.util.Locale.ROOT, "%s %,d TPM / %,d RPM (latency x%s)", r.name(),
                    r.tpm(), r.rpm(), SimSetup.num(r.latencyMultiplier())));
        }
        return sb.toString();
    }

    static String perRegion(Map<String, Double> m) {
        StringBuilder sb = new StringBuilder();
        m.forEach((k, v) -> sb.append(sb.length() == 0 ? "" : ", ").append(k).append(' ').append(Report.f(v, 3)));
        return sb.toString();
    }

    private static void chart(Context ctx, List<Outcome> outcomes, long summedTpm) throws Exception {
        Settings s = ctx.settings;
        int smooth = 10;
        List<Chart> panels = new ArrayList<>();
        Chart total = new Chart("All regions: admitted tokens/s, pipeline vs baselines",
                "simulated seconds since the contender's first admission", "tokens / s")
                .subtitle(smooth + " s trailing mean of the simulator's per-second admitted tokens; dashed: summed "
                        + "quota (TPM/60); shaded: steady part; time-scale " + SimSetup.num(s.utilTimeScale()));
        int ci = 0;
        for (Outcome o : outcomes) {
            SecondSeries sum = SecondSeries.plus(List.copyOf(o.series().values()));
            double[][] xy = xy(sum, o.t0(), o.t0() + s.utilDurationS(), smooth);
            total.line(o.name() + " (" + Report.f(o.admittedRatio(), 3) + ")", Chart.PALETTE[ci++], xy[0], xy[1]);
        }
        total.hline("summed quota " + Chart.fmt(summedTpm / 60.0) + "/s", summedTpm / 60.0, Color.BLACK)
                .shade("steady part", s.warmupS(), s.utilDurationS(), new Color(235, 245, 255))
                .xRange(0, s.utilDurationS());
        panels.add(total);
        for (Outcome o : outcomes) {
            Chart c = new Chart(o.name() + ": admitted tokens/s per region vs quota", "simulated seconds since "
                    + "first admission", "tokens / s").subtitle(String.format(java.util.Locale.ROOT,
                    "%d s trailing mean; admitted %.4f of summed TPM, 429s %.2f%% of requests in the steady part",
                    smooth, o.admittedRatio(), 100 * o.rateLimitedShare()));
            int i = 0;
            for (Map.Entry<String, SecondSeries> e : o.series().entrySet()) {
                double[][] xy = xy(e.getValue(), o.t0(), o.t0() + s.utilDurationS(), smooth);
                long tpm = o.finalStats().get(e.getKey()).tpm();
                c.line(e.getKey(), Chart.PALETTE[i], xy[0], xy[1]);
                c.hline(e.getKey() + " quota " + Chart.fmt(tpm / 60.0) + "/s", tpm / 60.0, Chart.PALETTE[i]);
                i++;
            }
            c.shade("steady part", s.warmupS(), s.utilDurationS(), new Color(235, 245, 255))
                    .xRange(0, s.utilDurationS());
            panels.add(c);
        }
        Chart.writePng(ctx.out.resolve("utilisation.png"), 1200, 420, panels);
    }

    /** x = seconds since t0, y = trailing mean. */
    static double[][] xy(SecondSeries s, long from, long to, int smooth) {
        double[] ys = s.movingAverage(from, to, smooth);
        double[] xs = new double[ys.length];
        for (int i = 0; i < xs.length; i++) {
            xs[i] = i;
        }
        return new double[][] {xs, ys};
    }
}
