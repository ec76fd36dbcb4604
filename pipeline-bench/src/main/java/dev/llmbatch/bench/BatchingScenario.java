package dev.llmbatch.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmbatch.bench.report.Report;
import dev.llmbatch.core.job.ChatMessage;
import dev.llmbatch.core.job.Job;
import dev.llmbatch.core.job.JobCodec;
import dev.llmbatch.simulator.DeploymentStats;
import dev.llmbatch.simulator.Simulator;
import dev.llmbatch.worker.Worker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Issue 4's scenario: the same small sentiment jobs (a ~60-token shared instruction, a short review each) through
 * the same three regions, prompt packing off and on, one after the other against fresh simulators. Requests per
 * job, admitted tokens per job and jobs per minute are read from the simulators' own counters over the steady part
 * (after the first simulated minute, before the backlog could drain), and reported as on / off ratios.
 */
final class BatchingScenario {
    /** About 60 tokens: the shared instruction that packing pays once per request instead of once per job. */
    static final String INSTRUCTION = "You are a careful analyst of customer feedback for an online electronics "
            + "store. Classify the sentiment of the review the user sends as exactly one of: positive, negative or "
            + "neutral. Mixed reviews are neutral. Ignore shipping complaints unless they dominate. Reply with one "
            + "lowercase word and nothing else.";
    static final double TIME_SCALE = 5;
    static final int WARMUP_S = 60;

    private BatchingScenario() {
    }

    record Measured(long requests, long jobs, long tokens, double seconds) {
        double requestsPerJob() {
            return (double) requests / jobs;
        }

        double tokensPerJob() {
            return (double) tokens / jobs;
        }

        double jobsPerMinute() {
            return jobs / (seconds / 60.0);
        }
    }

    static void run(Context ctx) throws Exception {
        boolean quick = ctx.settings.quick();
        int measureS = quick ? 60 : 180;
        Measured off = runOnce(ctx, "batching-off", "batching: {enabled: false}", 2_400 + measureS * 70, measureS);
        Measured on = runOnce(ctx, "batching-on", "batching: {enabled: true, messages-jobs: true, max-items: 16}",
                6_000 + measureS * 420, measureS);
        double reqRatio = on.requestsPerJob() / off.requestsPerJob();
        double tokRatio = on.tokensPerJob() / off.tokensPerJob();
        double jpmRatio = on.jobsPerMinute() / off.jobsPerMinute();

        ObjectNode j = ctx.json.putObject("batching");
        j.put("requests_per_job_ratio", Report.round(reqRatio, 4));
        j.put("tokens_per_job_ratio", Report.round(tokRatio, 4));
        j.put("jobs_per_min_ratio", Report.round(jpmRatio, 3));
        j.put("off_requests_per_job", Report.round(off.requestsPerJob(), 4));
        j.put("on_requests_per_job", Report.round(on.requestsPerJob(), 4));
        j.put("off_tokens_per_job", Report.round(off.tokensPerJob(), 1));
        j.put("on_tokens_per_job", Report.round(on.tokensPerJob(), 1));
        j.put("off_jobs_per_min", Report.round(off.jobsPerMinute(), 0));
        j.put("on_jobs_per_min", Report.round(on.jobsPerMinute(), 0));
        j.put("measured_simulated_seconds", measureS);
        j.put("time_scale", TIME_SCALE);

        ctx.summary("6 batching", "requests per job, on / off", "<= 0.15", Report.f(reqRatio, 4), reqRatio <= 0.15);
        ctx.summary("6 batching", "admitted tokens per job, on / off", "<= 0.6", Report.f(tokRatio, 4),
                tokRatio <= 0.6);
        ctx.summary("6 batching", "jobs per minute at a fixed quota, on / off", ">= 3", Report.f(jpmRatio, 2),
                jpmRatio >= 3);

        Report r = ctx.section("batching");
        r.h2("6. Prompt packing");
        r.p(String.format(Locale.ROOT, "The same kind of jobs both times: a %d-character (~60-token) shared "
                        + "instruction plus a 100-400 character review, max_tokens 5, sent as [system, user] messages "
                        + "jobs. Three regions (450K/150K/60K TPM, 2700/900/360 RPM), realistic latency, simulator and "
                        + "worker at time-scale %s. Off: `batching: {enabled: false}`. On: `batching: {enabled: true, "
                        + "messages-jobs: true, max-items: 16}` (other settings default). Counters are the simulators' "
                        + "own (accepted requests, jobs inside them, charged tokens), taken over simulated seconds "
                        + "[t0+%d, t0+%d), with a backlog larger than either mode can drain in that time.",
                INSTRUCTION.length(), SimSetup.num(TIME_SCALE), WARMUP_S, WARMUP_S + measureS));
        r.table(List.of("mode", "requests / job", "admitted tokens / job", "jobs / min", "requests", "jobs"),
                List.of(row("off", off), row("on", on)));
        r.table(List.of("target (on / off)", "measured", "verdict"), List.of(
                List.of("requests per job <= 0.15", Report.f(reqRatio, 4), Report.verdict(reqRatio <= 0.15)),
                List.of("tokens per job <= 0.6", Report.f(tokRatio, 4), Report.verdict(tokRatio <= 0.6)),
                List.of("jobs per minute >= 3 (RPM binds when off)", Report.f(jpmRatio, 2),
                        Report.verdict(jpmRatio >= 3))));
    }

    private static List<String> row(String mode, Measured m) {
        return List.of(mode, Report.f(m.requestsPerJob(), 4), Report.f(m.tokensPerJob(), 1),
                String.format(Locale.ROOT, "%,.0f", m.jobsPerMinute()), Long.toString(m.requests()),
                Long.toString(m.jobs()));
    }

    private static Measured runOnce(Context ctx, String name, String poolExtra, int jobs, int measureS)
            throws Exception {
        SimSetup.Topics t = ctx.topics(name);
        BenchKafka.produce(ctx.bootstrap(), t.jobs(), jobs(name, jobs, ctx.settings.seed()));
        try (Simulator sim = SimSetup.startSimulator(SimSetup.REGIONS, TIME_SCALE, SimSetup.Latency.REALISTIC, false,
                ctx.settings.seed());
             SimProbe probe = new SimProbe(sim)) {
            String yaml = SimSetup.workerYaml(SimSetup.endpoints(sim), ctx.bootstrap(), t, TIME_SCALE, false, null,
                    poolExtra);
            Worker worker = Worker.start(SimSetup.workerConfig(yaml), SimSetup.workerEnv());
            try {
                long t0 = probe.awaitFirstAdmission(Duration.ofSeconds(120));
                probe.awaitSimSecond(t0 + WARMUP_S);
                Map<String, DeploymentStats> a = probe.stats();
                double sa = probe.simSeconds();
                probe.awaitSimSecond(t0 + WARMUP_S + measureS);
                Map<String, DeploymentStats> b = probe.stats();
                double sb = probe.simSeconds();
                long requests = 0;
                long done = 0;
                long tokens = 0;
                for (String region : b.keySet()) {
                    requests += b.get(region).accepted() - a.get(region).accepted();
                    done += b.get(region).admittedJobs() - a.get(region).admittedJobs();
                    tokens += b.get(region).admittedTokens() - a.get(region).admittedTokens();
                }
                Measured m = new Measured(requests, done, tokens, sb - sa);
                ctx.log("batching %s: %d requests, %d jobs, %d tokens over %.0f simulated s", name, requests, done,
                        tokens, sb - sa);
                if (done >= jobs - 1) {
                    ctx.log("batching %s: WARNING the backlog drained inside the measured window", name);
                }
                return m;
            } finally {
                worker.close();
            }
        }
    }

    static List<Workload.Item> jobs(String prefix, int count, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        List<Workload.Item> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            String id = String.format("%s-%07d", prefix, i);
            Job job = Job.ofMessages(id, Workload.MODEL, List.of(new ChatMessage("system", INSTRUCTION),
                    new ChatMessage("user", Workload.prose(rnd, 100 + rnd.nextInt(301)))), Workload.MAX_TOKENS);
            out.add(new Workload.Item(id, JobCodec.encode(job), Workload.serviceCost(job), job));
        }
        return out;
    }
}
