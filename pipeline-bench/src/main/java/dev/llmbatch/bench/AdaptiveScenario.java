package dev.llmbatch.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmbatch.bench.report.Report;
import dev.llmbatch.core.job.Job;
import dev.llmbatch.core.job.JobCodec;
import dev.llmbatch.core.job.Priority;
import dev.llmbatch.core.result.JobResult;
import dev.llmbatch.simulator.DeploymentStats;
import dev.llmbatch.simulator.Simulator;
import dev.llmbatch.simulator.SimulatorConfig;
import dev.llmbatch.worker.Worker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * Issue 9's scenario: (a) the same translate jobs (max_tokens 200 for answers of 10-180 tokens, a third Japanese) at a
 * fixed token-bound quota with learned answer budgets on and off, unpacked and packed, against fresh simulators;
 * (b) prompt-reservation calibration on Japanese prompts against a simulator charging by the character rule, then by
 * the tokenizer; (c) admission on three small (60/120/180 RPM) deployments. Every figure comes from the simulator's
 * own counters or the worker's metrics, measured side by side in this run.
 */
final class AdaptiveScenario {
    static final double TIME_SCALE = 10;
    static final double SMALL_TIME_SCALE = 10;
    static final int WARMUP_S = 60;
    static final int JOB_MAX_TOKENS = 200;
    static final String UNPACKED = "batching: {enabled: false}";
    static final String PACKED = "batching: {enabled: true, max-items: 8, max-wait-ms: 20, max-item-tokens: 400}";
    static final String ADAPTIVE_OFF = "adaptive-max-tokens: {enabled: false}";
    /** Fast answers so that the quota, not latency, binds. */
    static final String FAST = "{rtt-ms: 10, ttft-ms: 100, tps: 400}";

    static final String[] EN = {"the", "order", "arrived", "late", "but", "the", "quality", "is", "excellent", "and",
        "the", "staff", "were", "kind", "battery", "lasts", "two", "days", "screen", "too", "dim", "outdoors",
        "delivery", "was", "fast", "price", "fair", "would", "buy", "again"};
    static final String[] JA = {"商品は", "とても", "良かった", "です。", "配送が", "遅れましたが、", "品質は", "素晴らしい。",
        "電池の", "持ちが", "悪い", "と思います。", "また", "買いたい", "ですね。", "画面が", "暗い", "値段は", "安い"};

    private AdaptiveScenario() {
    }

    /** One deployment of a scenario simulator. */
    record Dep(String region, long tpm, long rpm) {
    }

    /** Quota of the translate runs: tokens bind (RPM is far above what the jobs could use). */
    static final List<Dep> TOKEN_BOUND = List.of(new Dep("japaneast", 40_000, 20_000), new Dep("eastus", 20_000,
            10_000));
    /** Quota of the calibration runs (smaller, so that a few thousand jobs stay at the quota for minutes). */
    static final List<Dep> CALIBRATION = List.of(new Dep("japaneast", 40_000, 20_000), new Dep("eastus", 20_000,
            10_000));
    static final List<Dep> SMALL = List.of(new Dep("rpm60", 1_000_000, 60), new Dep("rpm120", 1_000_000, 120),
            new Dep("rpm180", 1_000_000, 180));

    /** One run's counters: whole run (all jobs answered) and the steady window. */
    record Run(int jobs, double steadyJobsPerMin, double steadyAdmittedOverTpm, boolean drainedInWindow, long admitted, long billed, long requests,
               long rateLimited, long resent, long workerAdmitted, Map<String, String> outputs) {
        double admittedPerJob() {
            return (double) admitted / jobs;
        }

        double billedOverAdmitted() {
            return ratio(billed, admitted);
        }
    }

    /** The five on/off figures of one mode (unpacked or packed). */
    record Pair(double jobsPerMinRatio, double admittedPerJobRatio, double billedOverAdmittedOn,
                double billedOverAdmittedOff, double resentShare, boolean identical) {
        static Pair of(Run on, Run off) {
            return new Pair(ratio(on.steadyJobsPerMin(), off.steadyJobsPerMin()),
                    ratio(on.admittedPerJob(), off.admittedPerJob()), on.billedOverAdmitted(),
                    off.billedOverAdmitted(), ratio(on.resent(), on.jobs()), identicalOutputs(on.outputs(),
                            off.outputs()));
        }

        void put(ObjectNode n) {
            n.put("jobs_per_min_ratio", Report.round(jobsPerMinRatio, 3));
            n.put("admitted_tokens_per_job_ratio", Report.round(admittedPerJobRatio, 4));
            n.put("billed_over_admitted_on", Report.round(billedOverAdmittedOn, 4));
            n.put("billed_over_admitted_off", Report.round(billedOverAdmittedOff, 4));
            n.put("resent_share", Report.round(resentShare, 5));
            n.put("identical_outputs", identical);
        }
    }

    /** {@code a / b}, 0 when b is 0. */
    static double ratio(double a, double b) {
        return b == 0 ? 0 : a / b;
    }

    /** True when both runs answered the same jobs and every job's output is equal (and none missing). */
    static boolean identicalOutputs(Map<String, String> a, Map<String, String> b) {
        if (a.isEmpty() || !a.keySet().equals(b.keySet())) {
            return false;
        }
        for (Map.Entry<String, String> e : a.entrySet()) {
            if (e.getValue() == null || !Objects.equals(e.getValue(), b.get(e.getKey()))) {
                return false;
            }
        }
        return true;
    }

    /** Translate jobs of 10-40 English words or 8-25 Japanese words (every third, or all when japanese). */
    static List<Workload.Item> translateJobs(String prefix, int n, long seed, boolean japanese) {
        SplittableRandom r = new SplittableRandom(seed);
        List<Workload.Item> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            boolean ja = japanese || i % 3 == 0;
            String[] words = ja ? JA : EN;
            int len = ja ? 8 + r.nextInt(18) : 10 + r.nextInt(31);
            StringBuilder sb = new StringBuilder();
            for (int w = 0; w < len; w++) {
                if (sb.length() > 0 && !ja) {
                    sb.append(' ');
                }
                sb.append(words[r.nextInt(words.length)]);
            }
            String id = String.format(Locale.ROOT, "%s-%06d", prefix, i);
            Job job = new Job(id, Workload.MODEL, List.of(), JOB_MAX_TOKENS, null, null, 1, "translate",
                    sb.toString(), null, null, Priority.NORMAL, null, null);
            out.add(new Workload.Item(id, JobCodec.encode(job), 0, job));
        }
        return out;
    }

    /** The translate task's instruction. */
    static final String TRANSLATE_SYSTEM = "Translate the user's text to English.";

    /** The worker's task table: the translate instruction (as in deploy/worker.yaml). */
    static final String TASKS = "tasks:\n  translate: {system: \"" + TRANSLATE_SYSTEM + "\", "
            + "max-tokens: 100, batchable: true}\n";

    /**
     * The same translate jobs as a script without the pipeline sends them: [system instruction, user text] with the
     * job's own max_tokens, costed by the service's character rule.
     */
    static List<Workload.Item> asMessages(List<Workload.Item> translate) {
        List<Workload.Item> out = new ArrayList<>(translate.size());
        for (Workload.Item it : translate) {
            Job j = it.job();
            Job m = Job.ofMessages(j.id(), j.model(), List.of(new dev.llmbatch.core.job.ChatMessage("system",
                    TRANSLATE_SYSTEM), new dev.llmbatch.core.job.ChatMessage("user", j.input())), j.maxTokens());
            out.add(new Workload.Item(m.id(), JobCodec.encode(m), Workload.serviceCost(m), m));
        }
        return out;
    }

    static String workerYaml(Simulator sim, Context ctx, SimSetup.Topics t, double timeScale, String poolExtra) {
        return SimSetup.workerYaml(SimSetup.endpoints(sim), ctx.bootstrap(), t, timeScale, false, null, poolExtra)
                + TASKS;
    }

    static String simYaml(List<Dep> deps, double timeScale, String estimator, long seed) {
        StringBuilder y = new StringBuilder();
        y.append(String.format(Locale.ROOT, "time-scale: %s%nseed: %d%napi-keys: [%s]%nregions:%n",
                SimSetup.num(timeScale), seed, SimSetup.SIM_KEY));
        for (Dep d : deps) {
            y.append("  - name: ").append(d.region()).append('\n');
            y.append("    latency: ").append(FAST).append('\n');
            y.append(String.format(Locale.ROOT, "    deployments: [{name: %s, model: gpt-4o-mini-2024-07-18, "
                    + "tpm: %d, rpm: %d, estimator: %s}]%n", SimSetup.DEPLOYMENT, d.tpm(), d.rpm(), estimator));
        }
        return y.toString();
    }

    static void run(Context ctx) throws Exception {
        boolean quick = ctx.settings.quick();
        long seed = ctx.settings.seed();
        int n = quick ? 2_000 : 8_000;
        int measureS = quick ? 60 : 240;
        int calN = quick ? 1_200 : 5_000;
        int smallMeasureS = quick ? 180 : 540;

        List<Workload.Item> jobs = translateJobs("tr", n, seed, false);
        Run off = translate(ctx, "adaptive-off", jobs, UNPACKED + "\n" + ADAPTIVE_OFF, "chars", measureS);
        Run on = translate(ctx, "adaptive-on", jobs, UNPACKED, "chars", measureS);
        Pair unpacked = Pair.of(on, off);
        Run poff = translate(ctx, "adaptive-packed-off", jobs, PACKED + "\n" + ADAPTIVE_OFF, "chars", measureS);
        Run pon = translate(ctx, "adaptive-packed-on", jobs, PACKED, "chars", measureS);
        Pair packed = Pair.of(pon, poff);

        Map<String, double[]> cal = new java.util.LinkedHashMap<>();
        for (String est : List.of("chars", "tokenizer")) {
            cal.put(est, calibration(ctx, est, translateJobs("ja-" + est, calN, seed + 1, true)));
        }
        double[] small = smallRpm(ctx, smallMeasureS);

        ObjectNode a = ctx.json.putObject("adaptive");
        unpacked.put(a);
        packed.put(a.putObject("packed"));
        ObjectNode c = a.putObject("calibrated_reservation_over_charged");
        ObjectNode r = a.putObject("calibration_rate_limited_share");
        ObjectNode rule = a.putObject("calibration_final_prompt_rule");
        cal.forEach((k, v) -> {
            c.put(k, Report.round(v[0], 4));
            r.put(k, Report.round(v[1], 5));
            rule.put(k, (int) v[2]);
        });
        a.put("small_rpm_request_ratio", Report.round(small[0], 4));
        a.put("small_rpm_windows_over", (long) small[1]);
        ObjectNode d = a.putObject("detail");
        for (Run x : List.of(off, on, poff, pon)) {
            d.putObject(label(x, off, on, poff, pon)).put("steady_jobs_per_min", Report.round(x.steadyJobsPerMin(), 0))
                    .put("steady_admitted_over_summed_tpm", Report.round(x.steadyAdmittedOverTpm(), 4))
                    .put("admitted_tokens_per_job", Report.round(x.admittedPerJob(), 1))
                    .put("billed_over_admitted", Report.round(x.billedOverAdmitted(), 4))
                    .put("requests", x.requests()).put("rate_limited", x.rateLimited()).put("resent", x.resent())
                    .put("drained_in_window", x.drainedInWindow());
        }
        a.put("jobs", n);
        a.put("measured_simulated_seconds", measureS);
        a.put("calibration_jobs", calN);
        a.put("small_rpm_measured_simulated_seconds", smallMeasureS);
        a.put("time_scale", TIME_SCALE);

        report(ctx, n, measureS, calN, smallMeasureS, unpacked, packed, cal, small, List.of(off, on, poff, pon));
    }

    private static String label(Run x, Run off, Run on, Run poff, Run pon) {
        return x == off ? "unpacked_off" : x == on ? "unpacked_on" : x == poff ? "packed_off" : "packed_on";
    }

    private static void report(Context ctx, int n, int measureS, int calN, int smallMeasureS, Pair unpacked,
            Pair packed, Map<String, double[]> cal, double[] small, List<Run> runs) {
        String s = "9 adaptive";
        for (Pair p : List.of(unpacked, packed)) {
            String m = p == unpacked ? "" : " (packed)";
            ctx.summary(s, "jobs/min on / off" + m, ">= 2", Report.f(p.jobsPerMinRatio(), 3),
                    p.jobsPerMinRatio() >= 2);
            ctx.summary(s, "admitted tokens per job on / off" + m, "info", Report.f(p.admittedPerJobRatio(), 4), null);
            ctx.summary(s, "billed / admitted, on" + m, ">= 0.8", Report.f(p.billedOverAdmittedOn(), 4),
                    p.billedOverAdmittedOn() >= 0.8);
            ctx.summary(s, "billed / admitted, off" + m, "info", Report.f(p.billedOverAdmittedOff(), 4), null);
            ctx.summary(s, "resent / jobs" + m, "<= 2%", Report.pct(p.resentShare()), p.resentShare() <= 0.02);
            ctx.summary(s, "every output identical on vs off" + m, "true", Boolean.toString(p.identical()),
                    p.identical());
        }
        cal.forEach((k, v) -> {
            ctx.summary(s, "calibrated reservation / charged, " + k, "<= 1.03", Report.f(v[0], 4), v[0] <= 1.03);
            ctx.summary(s, "429s / requests while calibrating, " + k, "<= 0.5%", Report.pct(v[1]), v[1] <= 0.005);
        });
        ctx.summary(s, "small deployments: requests/min / summed RPM", ">= 0.97", Report.f(small[0], 4),
                small[0] >= 0.97);
        ctx.summary(s, "small deployments: windows over", "0", Long.toString((long) small[1]), small[1] == 0);

        Report r = ctx.section("adaptive");
        r.h2("9. Learned answer budgets, prompt calibration, small deployments");
        r.p(String.format(Locale.ROOT, "Translate jobs (task `translate`, job max_tokens %d; %,d jobs, a third "
                        + "Japanese, 10-40 English or 8-25 Japanese words, seeded) against fresh simulators with "
                        + "regions %s (estimator chars, fast latency %s), worker and simulator at time-scale %s. Each "
                        + "run answers every job; jobs/min is the simulator's admitted jobs over simulated seconds "
                        + "[t0+%d, t0+%d) (resends count as jobs there), admitted and billed tokens are the "
                        + "simulator's totals over the whole run. Off = `%s`; packed = `%s`.",
                JOB_MAX_TOKENS, n, deps(TOKEN_BOUND), FAST, SimSetup.num(TIME_SCALE), WARMUP_S,
                WARMUP_S + measureS, ADAPTIVE_OFF, PACKED));
        List<List<String>> rows = new ArrayList<>();
        String[] names = {"unpacked, adaptive off", "unpacked, adaptive on", "packed, adaptive off",
            "packed, adaptive on"};
        for (int i = 0; i < runs.size(); i++) {
            Run x = runs.get(i);
            rows.add(List.of(names[i], String.format(Locale.ROOT, "%,.0f", x.steadyJobsPerMin()),
                    Report.f(x.steadyAdmittedOverTpm(), 3),
                    Report.f(x.admittedPerJob(), 1), Report.f(x.billedOverAdmitted(), 4), Long.toString(x.resent()),
                    Long.toString(x.requests()), Long.toString(x.rateLimited()),
                    x.drainedInWindow() ? "DRAINED in window" : ""));
        }
        r.table(List.of("run", "jobs / min (steady)", "steady admitted / summed TPM", "admitted tokens / job", "billed / admitted", "resent",
                "requests", "429s", "note"), rows);
        List<List<String>> t = new ArrayList<>();
        for (Pair p : List.of(unpacked, packed)) {
            String m = p == unpacked ? "unpacked" : "packed";
            t.add(List.of(m + ": jobs/min on / off >= 2", Report.f(p.jobsPerMinRatio(), 3),
                    Report.verdict(p.jobsPerMinRatio() >= 2)));
            t.add(List.of(m + ": billed / admitted on >= 0.8", Report.f(p.billedOverAdmittedOn(), 4),
                    Report.verdict(p.billedOverAdmittedOn() >= 0.8)));
            t.add(List.of(m + ": resent share <= 2%", Report.pct(p.resentShare()),
                    Report.verdict(p.resentShare() <= 0.02)));
            t.add(List.of(m + ": outputs identical on vs off", Boolean.toString(p.identical()),
                    Report.verdict(p.identical())));
        }
        cal.forEach((k, v) -> {
            t.add(List.of("calibration (" + k + "): worker reserved / simulator charged <= 1.03, 2nd half",
                    Report.f(v[0], 4), Report.verdict(v[0] <= 1.03)));
            t.add(List.of("calibration (" + k + "): 429s / requests <= 0.5%, whole run", Report.pct(v[1]),
                    Report.verdict(v[1] <= 0.005)));
        });
        t.add(List.of("small deployments: requests/min / summed RPM >= 0.97", Report.f(small[0], 4),
                Report.verdict(small[0] >= 0.97)));
        t.add(List.of("small deployments: windows over = 0", Long.toString((long) small[1]),
                Report.verdict(small[1] == 0)));
        r.table(List.of("target", "measured", "verdict"), t);
        r.p("Read the jobs/min ratio together with the steady admitted / summed TPM column: it compares the two "
                + "runs at whatever share of the quota each kept in use, so a run that loses quota time to 429s "
                + "and their retry-after pauses (see the 429 column) moves the ratio; admitted tokens per job is "
                + "the quota-independent view of the same saving.");
        r.p(String.format(Locale.ROOT, "Calibration: %,d Japanese translate jobs per profile against regions %s whose "
                        + "deployments charge by `estimator: chars`, then `estimator: tokenizer`; c = the worker's "
                        + "`llm_admitted_tokens_total` / the simulator's charged tokens (`admitted_tokens`) over the "
                        + "second half of the run (from the moment half the results were in to the end); 429 share "
                        + "over the whole run, convergence included. Final `llm_prompt_rule` (0 chars, 1 tokens, "
                        + "2 max): chars %d, tokenizer %d. Small deployments: three regions of 60, 120 and 180 RPM "
                        + "(TPM 1,000,000), short sentiment jobs (max_tokens 5), packing off, time-scale %s; requests "
                        + "admitted per minute over simulated seconds [t0+%d, t0+%d) / 360, and the simulator's "
                        + "tokenWindowsOver + requestWindowsOver summed (%.0f); requests/min ratio %.4f.",
                calN, deps(CALIBRATION), (int) cal.get("chars")[2], (int) cal.get("tokenizer")[2],
                SimSetup.num(SMALL_TIME_SCALE), WARMUP_S, WARMUP_S + smallMeasureS, small[1], small[0]));
    }

    private static String deps(List<Dep> deps) {
        StringBuilder sb = new StringBuilder();
        for (Dep d : deps) {
            sb.append(sb.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%s %,d TPM / %,d RPM",
                    d.region(), d.tpm(), d.rpm()));
        }
        return sb.toString();
    }

    /** One translate run to completion; the steady jobs/min window is measured on the way. */
    private static Run translate(Context ctx, String name, List<Workload.Item> jobs, String poolExtra,
            String estimator, int measureS) throws Exception {
        SimSetup.Topics t = ctx.topics(name);
        BenchKafka.produce(ctx.bootstrap(), t.jobs(), jobs);
        try (Simulator sim = Simulator.start(SimulatorConfig.parse(simYaml(TOKEN_BOUND, TIME_SCALE, estimator,
                ctx.settings.seed())));
             SimProbe probe = new SimProbe(sim);
             BenchKafka.ResultCollector results = new BenchKafka.ResultCollector(ctx.bootstrap(), t.results(),
                     true, null)) {
            String yaml = workerYaml(sim, ctx, t, TIME_SCALE, poolExtra);
            long resent;
            long workerAdmitted;
            double jpm;
            double steadyTpm;
            boolean drained;
            try (Worker worker = Worker.start(SimSetup.workerConfig(yaml), SimSetup.workerEnv())) {
                long t0 = probe.awaitFirstAdmission(Duration.ofSeconds(120));
                probe.awaitSimSecond(t0 + WARMUP_S);
                Map<String, DeploymentStats> a = probe.stats();
                double sa = probe.simSeconds();
                probe.awaitSimSecond(t0 + WARMUP_S + measureS);
                Map<String, DeploymentStats> b = probe.stats();
                double sb = probe.simSeconds();
                long done = SimProbe.sum(b, DeploymentStats::admittedJobs) - SimProbe.sum(a,
                        DeploymentStats::admittedJobs);
                jpm = done / ((sb - sa) / 60.0);
                steadyTpm = (SimProbe.sum(b, DeploymentStats::admittedTokens) - SimProbe.sum(a,
                        DeploymentStats::admittedTokens)) / ((sb - sa) / 60.0)
                        / TOKEN_BOUND.stream().mapToLong(Dep::tpm).sum();
                drained = SimProbe.sum(b, DeploymentStats::admittedJobs) >= jobs.size();
                if (!results.awaitCount(jobs.size(), Duration.ofMinutes(4))) {
                    throw new IllegalStateException(name + ": answered " + results.distinct() + " of "
                            + jobs.size());
                }
                resent = worker.metrics().total("llm_budget_resent_total");
                workerAdmitted = worker.metrics().total("llm_admitted_tokens_total");
            }
            Map<String, DeploymentStats> end = probe.stats();
            Map<String, String> outputs = new HashMap<>();
            results.byId().forEach((id, o) -> {
                JobResult jr = o.result();
                outputs.put(id, jr == null ? null : jr.output());
            });
            Run run = new Run(jobs.size(), jpm, steadyTpm, drained, SimProbe.sum(end, DeploymentStats::admittedTokens),
                    SimProbe.sum(end, DeploymentStats::billedTokens), SimProbe.sum(end, DeploymentStats::requests),
                    SimProbe.sum(end, DeploymentStats::rateLimited), resent, workerAdmitted, outputs);
            ctx.log("adaptive %s: %.0f jobs/min steady (admitted %.3f of summed TPM), %.1f admitted tokens/job, billed/admitted %.4f, %d resent, "
                            + "%d requests, %d 429s%s", name, jpm, steadyTpm, run.admittedPerJob(), run.billedOverAdmitted(),
                    resent, run.requests(), run.rateLimited(), drained ? ", WARNING drained inside the window" : "");
            return run;
        }
    }

    /** Returns {worker reserved / simulator charged over the second half, 429 share, final prompt rule}. */
    private static double[] calibration(Context ctx, String estimator, List<Workload.Item> jobs) throws Exception {
        SimSetup.Topics t = ctx.topics("calib-" + estimator);
        BenchKafka.produce(ctx.bootstrap(), t.jobs(), jobs);
        try (Simulator sim = Simulator.start(SimulatorConfig.parse(simYaml(CALIBRATION, TIME_SCALE, estimator,
                ctx.settings.seed())));
             SimProbe probe = new SimProbe(sim);
             BenchKafka.ResultCollector results = new BenchKafka.ResultCollector(ctx.bootstrap(), t.results(),
                     false, null)) {
            String yaml = workerYaml(sim, ctx, t, TIME_SCALE, UNPACKED);
            try (Worker worker = Worker.start(SimSetup.workerConfig(yaml), SimSetup.workerEnv())) {
                if (!results.awaitCount(jobs.size() / 2, Duration.ofMinutes(4))) {
                    throw new IllegalStateException("calibration " + estimator + ": half not answered");
                }
                long w1 = worker.metrics().total("llm_admitted_tokens_total");
                long s1 = SimProbe.sum(probe.stats(), DeploymentStats::admittedTokens);
                if (!results.awaitCount(jobs.size(), Duration.ofMinutes(4))) {
                    throw new IllegalStateException("calibration " + estimator + ": answered " + results.distinct()
                            + " of " + jobs.size());
                }
                long w2 = worker.metrics().total("llm_admitted_tokens_total");
                Map<String, DeploymentStats> end = probe.stats();
                long s2 = SimProbe.sum(end, DeploymentStats::admittedTokens);
                double rule = worker.metrics().gaugeValue("llm_prompt_rule", "pool", Workload.MODEL);
                long req = SimProbe.sum(end, DeploymentStats::requests);
                long limited = SimProbe.sum(end, DeploymentStats::rateLimited);
                double c = ratio(w2 - w1, s2 - s1);
                double share = ratio(limited, req);
                ctx.log("adaptive calibration %s: reserved/charged %.4f over the second half (whole run %.4f), "
                                + "%d 429s / %d requests, prompt rule %s", estimator, c,
                        ratio(w2, s2), limited, req, rule);
                return new double[] {c, share, rule};
            }
        }
    }

    /** Returns {requests per minute / summed RPM over the steady part, windows over}. */
    private static double[] smallRpm(Context ctx, int measureS) throws Exception {
        long summedRpm = SMALL.stream().mapToLong(Dep::rpm).sum();
        int n = (int) (summedRpm * (WARMUP_S + measureS) / 60.0 * 1.3) + 200;
        SplittableRandom rnd = new SplittableRandom(ctx.settings.seed() + 2);
        List<Workload.Item> jobs = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            jobs.add(Workload.small("rpm", i, rnd));
        }
        SimSetup.Topics t = ctx.topics("small-rpm");
        BenchKafka.produce(ctx.bootstrap(), t.jobs(), jobs);
        try (Simulator sim = Simulator.start(SimulatorConfig.parse(simYaml(SMALL, SMALL_TIME_SCALE, "chars",
                ctx.settings.seed())));
             SimProbe probe = new SimProbe(sim)) {
            String yaml = workerYaml(sim, ctx, t, SMALL_TIME_SCALE, UNPACKED);
            try (Worker worker = Worker.start(SimSetup.workerConfig(yaml), SimSetup.workerEnv())) {
                long t0 = probe.awaitFirstAdmission(Duration.ofSeconds(120));
                probe.awaitSimSecond(t0 + WARMUP_S);
                Map<String, DeploymentStats> a = probe.stats();
                double sa = probe.simSeconds();
                probe.awaitSimSecond(t0 + WARMUP_S + measureS);
                Map<String, DeploymentStats> b = probe.stats();
                double sb = probe.simSeconds();
                long req = SimProbe.sum(b, DeploymentStats::accepted) - SimProbe.sum(a, DeploymentStats::accepted);
                double ratio = req / ((sb - sa) / 60.0) / summedRpm;
                long over = SimProbe.sum(b, d -> d.tokenWindowsOver() + d.requestWindowsOver());
                long limited = SimProbe.sum(b, DeploymentStats::rateLimited);
                ctx.log("adaptive small-rpm: %d requests in %.0f simulated s = %.4f of %d RPM, %d windows over, "
                        + "%d 429s, max requests in 10 s per deployment %s", req, sb - sa, ratio, summedRpm, over,
                        limited, b.values().stream().map(d -> d.maxRequestsIn10s() + "/" + d.requestsPer10sLimit())
                                .toList());
                return new double[] {ratio, over};
            }
        }
    }
}
