package dev.llmbatch.bench;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmbatch.bench.chart.Chart;
import dev.llmbatch.bench.report.Report;
import dev.llmbatch.redis.embedded.EmbeddedRedis;
import dev.llmbatch.simulator.DeploymentStats;
import dev.llmbatch.simulator.Simulator;
import java.awt.Color;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;

/**
 * Issue 10's scale-out benchmark: 1, 2 and 3 worker processes in one consumer group against the same small,
 * token-bound simulated regions (a fresh simulator per run), each deployment's quota shared through one real Redis,
 * and the same with every worker on its own local windows; then three workers sharing Redis while Redis is killed at
 * a third of the jobs and restarted at two thirds. Measured as in the utilisation scenario: admitted tokens per
 * minute over the steady part / summed TPM, from the simulator's per-second series, and 429s / requests; Redis
 * commands per LLM request from the workers' {@code /metrics}.
 */
final class ScaleoutScenario {
    static final double TARGET_ADMITTED = UtilisationScenario.TARGET_ADMITTED;
    static final double TARGET_429 = UtilisationScenario.TARGET_429;
    static final double TARGET_COMMANDS = 1.0;
    static final List<Integer> WORKERS = List.of(1, 2, 3);
    static final int WARMUP_S = 60;
    /**
     * How much later than admitted a request may reach the service, in real time: SharedQuotaIT measured that three
     * worker JVMs, Redis, the broker and the simulator on two cores need about 600 ms (3 s of margin at time-scale 5).
     * The margin in simulated ms is this times the time scale.
     */
    static final long MARGIN_REAL_MS = 600;
    /** Small token-bound deployments (RPM = 6 per 1K TPM; the jobs cost 1,000-1,500 tokens, so tokens bind). */
    static final List<SimSetup.RegionSpec> REGIONS = List.of(
            new SimSetup.RegionSpec("swedencentral", "Sweden Central", 60_000, 360, 0.6),
            new SimSetup.RegionSpec("eastus", "East US", 30_000, 180, 1.0),
            new SimSetup.RegionSpec("westeurope", "West Europe", 60_000, 360, 1.8));

    private ScaleoutScenario() {
    }

    /** The sizes of a quick and a full run. */
    record Size(double timeScale, int durationS, int backlogQuotaMinutes, int fallbackJobs) {
        long marginMs() {
            return Math.round(MARGIN_REAL_MS * timeScale);
        }
    }

    static Size size(boolean quick) {
        return quick ? new Size(5, 180, 6, 900) : new Size(2, 420, 9, 2_400);
    }

    /** One steady run: N workers, one store. */
    record Run(int workers, boolean shared, double admittedRatio, double rateLimitedShare, long requests,
               long rateLimited, List<Double> commandsPerRequest, List<Double> storeUp) {
    }

    /** The Redis-down run. */
    record Fallback(int jobs, long lost, long duplicates, long requests, long rateLimited, boolean fellBack,
                    boolean recovered, double wallSeconds, double beforeS, double awayS, double afterS,
                    boolean fellBackAtStart) {
        double rateLimitedShare() {
            return requests == 0 ? 0 : (double) rateLimited / requests;
        }
    }

    static void run(Context ctx) throws Exception {
        Size z = size(ctx.settings.quick());
        long summedTpm = SimSetup.summedTpm(REGIONS);
        List<Workload.Item> probe = Workload.tokenBound("probe", 200, ctx.settings.seed());
        double avgCost = (double) Workload.totalCost(probe) / probe.size();
        int backlog = (int) Math.ceil(summedTpm * z.backlogQuotaMinutes() / avgCost);
        ctx.log("scaleout: time-scale %s, window margin %d simulated ms; %d token-bound jobs per run, %d simulated s "
                + "per run", SimSetup.num(z.timeScale()), z.marginMs(), backlog, z.durationS());
        List<Run> shared = new ArrayList<>();
        List<Run> local = new ArrayList<>();
        Fallback fb;
        try (EmbeddedRedis redis = EmbeddedRedis.start()) {
            ctx.log("scaleout: Redis %s (%s)", redis.uri(), redis.source());
            for (int n : WORKERS) {
                shared.add(steady(ctx, z, redis, n, true, backlog, summedTpm));
                local.add(steady(ctx, z, redis, n, false, backlog, summedTpm));
            }
            fb = fallback(ctx, z, redis);
        }
        report(ctx, z, shared, local, fb);
    }

    // ------------------------------------------------------------------------------------------------- runs

    static String quotaYaml(EmbeddedRedis redis, boolean shared) {
        return shared ? "quota: {store: redis, redis-uri: \"" + redis.uri() + "\", key-prefix: bench-"
                + UUID.randomUUID().toString().substring(0, 8) + "}\n" : "quota: {store: local}\n";
    }

    /** Worker configs of one run: same group, fixed admin port and transactional id per process. */
    static List<Path> configs(Context ctx, Size z, Simulator sim, SimSetup.Topics t, String quota, String label,
            int n, List<Integer> ports) throws IOException {
        List<Path> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int port = freePort();
            ports.add(port);
            String yaml = SimSetup.workerYaml(SimSetup.endpoints(sim), ctx.bootstrap(), t, z.timeScale(), false,
                    "http: {host: 127.0.0.1, port: " + port + "}\nbucket: {window-margin-ms: " + z.marginMs() + "}",
                    null, ReliabilityScenario.crashKafka("exactly-once", "bench-" + label + "-" + i)) + quota;
            Path p = ctx.out.resolve("scaleout-" + label + "-worker-" + i + ".yaml");
            Files.writeString(p, yaml);
            out.add(p);
        }
        return out;
    }

    static Run steady(Context ctx, Size z, EmbeddedRedis redis, int n, boolean shared, int backlog, long summedTpm)
            throws Exception {
        String label = (shared ? "redis-" : "local-") + n;
        SimSetup.Topics t = ctx.topics("scaleout-" + label);
        List<Workload.Item> jobs = Workload.tokenBound("scale-" + label, backlog, ctx.settings.seed() + n);
        try (Simulator sim = SimSetup.startSimulator(REGIONS, z.timeScale(), SimSetup.Latency.REALISTIC, false,
                ctx.settings.seed()); SimProbe probe = new SimProbe(sim); Admin admin = BenchKafka.admin(ctx.bootstrap())) {
            List<Integer> ports = new ArrayList<>();
            List<Path> cfgs = configs(ctx, z, sim, t, quotaYaml(redis, shared), label, n, ports);
            List<Process> procs = new ArrayList<>();
            List<Double> cpr = new ArrayList<>();
            List<Double> up = new ArrayList<>();
            UtilisationScenario.Measured m;
            try {
                for (int i = 0; i < n; i++) {
                    procs.add(startWorker(ctx, cfgs.get(i), label, i));
                }
                awaitMembers(admin, t.group(), n, procs, Duration.ofSeconds(120));
                BenchKafka.produce(ctx.bootstrap(), t.jobs(), jobs);
                m = UtilisationScenario.measure(probe, WARMUP_S, z.durationS(), () -> { });
                if (shared) {
                    for (int port : ports) {
                        String text = scrape(port);
                        gauge(text, "llm_quota_store_commands_per_request").ifPresent(cpr::add);
                        gauge(text, "llm_quota_store_up").ifPresent(up::add);
                    }
                }
            } finally {
                stop(procs);
            }
            UtilisationScenario.Outcome o = UtilisationScenario.outcome(label, m, WARMUP_S, z.durationS(), summedTpm,
                    (a, b) -> 0L, "");
            Run r = new Run(n, shared, o.admittedRatio(), o.rateLimitedShare(), o.requests(), o.rateLimited(), cpr,
                    up);
            ctx.log("scaleout/%s: admitted %.4f of summed TPM, 429s %d of %d (%.3f%%), commands per request %s",
                    label, r.admittedRatio(), r.rateLimited(), r.requests(), 100 * r.rateLimitedShare(), cpr);
            return r;
        }
    }

    static Fallback fallback(Context ctx, Size z, EmbeddedRedis redis) throws Exception {
        int n = 3;
        String label = "redis-down";
        SimSetup.Topics t = ctx.topics("scaleout-" + label);
        List<Workload.Item> items = Workload.tokenBound("scale-down", z.fallbackJobs(), ctx.settings.seed() + 11);
        Set<String> ids = new HashSet<>();
        items.forEach(i -> ids.add(i.id()));
        long requests = 0;
        long limited = 0;
        long t0;
        long end;
        long killed;
        long restarted;
        try (Simulator sim = SimSetup.startSimulator(REGIONS, z.timeScale(), SimSetup.Latency.REALISTIC, false,
                ctx.settings.seed()); Admin admin = BenchKafka.admin(ctx.bootstrap());
             BenchKafka.ResultCollector results = new BenchKafka.ResultCollector(ctx.bootstrap(), t.results(),
                     false, null)) {
            List<Path> cfgs = configs(ctx, z, sim, t, quotaYaml(redis, true), label, n, new ArrayList<>());
            List<Process> procs = new ArrayList<>();
            try {
                for (int i = 0; i < n; i++) {
                    procs.add(startWorker(ctx, cfgs.get(i), label, i));
                }
                awaitMembers(admin, t.group(), n, procs, Duration.ofSeconds(120));
                t0 = System.currentTimeMillis();
                BenchKafka.produce(ctx.bootstrap(), t.jobs(), items);
                Duration limit = Duration.ofMinutes(10);
                if (!results.awaitCount(z.fallbackJobs() / 3, limit)) {
                    throw new IllegalStateException("redis-down: only " + results.distinct() + " results before the kill");
                }
                redis.kill();
                killed = System.currentTimeMillis();
                ctx.log("scaleout/%s: Redis killed at %d results", label, results.distinct());
                if (!results.awaitCount(2 * z.fallbackJobs() / 3, limit)) {
                    throw new IllegalStateException("redis-down: only " + results.distinct()
                            + " results with Redis away");
                }
                redis.restart();
                restarted = System.currentTimeMillis();
                ctx.log("scaleout/%s: Redis restarted at %d results", label, results.distinct());
                if (!results.awaitCount(z.fallbackJobs(), limit)) {
                    ctx.log("scaleout/%s: only %d of %d results", label, results.distinct(), z.fallbackJobs());
                }
                end = System.currentTimeMillis();
                // every offset committed: nothing a worker still holds can publish another copy
                java.util.concurrent.ScheduledExecutorService timer =
                        java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
                try {
                    ReliabilityScenario.await(timer,
                            () -> BenchKafka.committed(admin, t.group(), t.jobs()) >= z.fallbackJobs(),
                            Duration.ofSeconds(30));
                } finally {
                    timer.shutdownNow();
                }
            } finally {
                stop(procs);
            }
            for (String r : sim.regions()) {
                DeploymentStats d = sim.stats(r).deployment(SimSetup.DEPLOYMENT);
                requests += d.requests();
                limited += d.rateLimited();
            }
        }
        Map<String, List<ReliabilityScenario.Copy>> all = ReliabilityScenario.readAll(ctx.bootstrap(), t.results());
        long[] tally = tally(ids, all);
        String logs = logs(ctx, label, n);
        Fallback f = new Fallback(z.fallbackJobs(), tally[0], tally[1], requests, limited,
                logs.contains("is not answering"), logs.contains("quota shared again"), (end - t0) / 1000.0,
                (killed - t0) / 1000.0, (restarted - killed) / 1000.0, (end - restarted) / 1000.0,
                logs.contains("local share of 1.00"));
        ctx.log("scaleout/%s: %d jobs, lost %d, ids with >1 result %d, 429s %d of %d; fallback logged %s, recovery "
                + "logged %s; %.1f s", label, f.jobs(), f.lost(), f.duplicates(), limited, requests, f.fellBack(),
                f.recovered(), f.wallSeconds());
        return f;
    }

    // --------------------------------------------------------------------------------------------- processes

    static Process startWorker(Context ctx, Path cfg, String label, int i) throws IOException {
        return ReliabilityScenario.launchWorker(ctx, cfg, log(ctx, label, i));
    }

    static Path log(Context ctx, String label, int i) {
        return ctx.out.resolve("scaleout-" + label + "-worker-" + i + ".log");
    }

    static String logs(Context ctx, String label, int n) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < n; i++) {
            try {
                b.append(Files.readString(log(ctx, label, i))).append('\n');
            } catch (IOException e) {
                b.append("(log ").append(i).append(" unreadable)\n");
            }
        }
        return b.toString();
    }

    static void stop(List<Process> procs) throws InterruptedException {
        procs.forEach(Process::destroy);
        for (Process p : procs) {
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    /** Waits until the group has {@code n} members and every one owns a partition. */
    static void awaitMembers(Admin admin, String group, int n, List<Process> procs, Duration timeout)
            throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            for (Process p : procs) {
                if (!p.isAlive()) {
                    throw new IllegalStateException("a worker exited with " + p.exitValue() + " before joining");
                }
            }
            ConsumerGroupDescription d;
            try {
                d = admin.describeConsumerGroups(List.of(group)).all().get(10, TimeUnit.SECONDS).get(group);
            } catch (java.util.concurrent.ExecutionException e) {
                d = null; // not there yet (GroupIdNotFoundException until the first member joins)
            }
            if (d != null && d.members().size() == n && d.members().stream()
                    .allMatch((MemberDescription md) -> !md.assignment().topicPartitions().isEmpty())) {
                return;
            }
            // Waits a quarter second, or less if the first worker exits (then reported above).
            procs.get(0).waitFor(250, TimeUnit.MILLISECONDS);
        }
        throw new IllegalStateException("group " + group + " did not reach " + n + " members with partitions");
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    static String scrape(int port) {
        try {
            HttpClient c = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            return c.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()).body();
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    // ------------------------------------------------------------------------------------------ pure helpers

    /**
     * The value of a sample of metric {@code name} in Prometheus text format (the first one, labels ignored); empty
     * if absent or not a number.
     */
    static OptionalDouble gauge(String text, String name) {
        for (String line : text.split("\n")) {
            String l = line.strip();
            if (l.isEmpty() || l.startsWith("#") || !l.startsWith(name)) {
                continue;
            }
            String rest = l.substring(name.length());
            if (!rest.isEmpty() && rest.charAt(0) != ' ' && rest.charAt(0) != '{') {
                continue; // a longer metric name with this prefix
            }
            int close = rest.indexOf('}');
            String value = (close >= 0 ? rest.substring(close + 1) : rest).strip().split("\\s+")[0];
            try {
                return OptionalDouble.of(Double.parseDouble(value));
            } catch (NumberFormatException e) {
                return OptionalDouble.empty();
            }
        }
        return OptionalDouble.empty();
    }

    /** {lost ids, ids with more than one result record} of {@code ids} against the results read back. */
    static <T> long[] tally(Set<String> ids, Map<String, List<T>> results) {
        long lost = ids.stream().filter(id -> !results.containsKey(id)).count();
        long dup = results.entrySet().stream().filter(e -> ids.contains(e.getKey()) && e.getValue().size() > 1)
                .count();
        return new long[] {lost, dup};
    }

    static double avgCost(Context ctx) {
        List<Workload.Item> probe = Workload.tokenBound("probe", 200, ctx.settings.seed());
        return (double) Workload.totalCost(probe) / probe.size();
    }

    static double mean(List<Double> xs) {
        return xs.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
    }

    static boolean passShared(List<Run> shared) {
        return shared.stream().allMatch(r -> r.admittedRatio() >= TARGET_ADMITTED
                && r.rateLimitedShare() <= TARGET_429);
    }

    // ------------------------------------------------------------------------------------------------ report

    /** Admitted ratio and 429 share per number of workers, shared store vs local windows. */
    static void chart(Context ctx, Size z, List<Run> shared, List<Run> local) {
        double[] xs = shared.stream().mapToDouble(Run::workers).toArray();
        Chart admitted = new Chart("Admitted tokens / summed TPM", "worker processes", "admitted / summed TPM")
                .subtitle(String.format(Locale.ROOT, "time scale %s, window margin %d simulated ms (caps one window "
                        + "at %.3f)", SimSetup.num(z.timeScale()), z.marginMs(), 60_000.0 / (60_000 + z.marginMs())))
                .line("shared (Redis)", Chart.PALETTE[0], xs, shared.stream().mapToDouble(Run::admittedRatio).toArray())
                .line("local windows", Chart.PALETTE[1], xs, local.stream().mapToDouble(Run::admittedRatio).toArray())
                .hline("target 0.97", TARGET_ADMITTED, Color.GRAY).xRange(0.8, 3.2);
        Chart limited = new Chart("429 answers / requests", "worker processes", "share of requests (%)")
                .line("shared (Redis)", Chart.PALETTE[0], xs,
                        shared.stream().mapToDouble(x -> 100 * x.rateLimitedShare()).toArray())
                .line("local windows", Chart.PALETTE[1], xs,
                        local.stream().mapToDouble(x -> 100 * x.rateLimitedShare()).toArray())
                .hline("target 0.5%", 100 * TARGET_429, Color.GRAY).xRange(0.8, 3.2);
        try {
            Chart.writePng(ctx.out.resolve("scaleout.png"), 1000, 360, List.of(admitted, limited));
        } catch (IOException e) {
            ctx.log("scaleout: chart not written: %s", e.getMessage());
        }
    }

    static void report(Context ctx, Size z, List<Run> shared, List<Run> local, Fallback fb) {
        ObjectNode j = ctx.json.putObject("scaleout");
        ArrayNode w = j.putArray("workers");
        ArrayNode ar = j.putArray("admitted_ratio");
        ArrayNode rl = j.putArray("rate_limited_share");
        ArrayNode ll = j.putArray("local_rate_limited_share");
        for (int i = 0; i < shared.size(); i++) {
            w.add(shared.get(i).workers());
            ar.add(Report.round(shared.get(i).admittedRatio(), 4));
            rl.add(Report.round(shared.get(i).rateLimitedShare(), 4));
            ll.add(Report.round(local.get(i).rateLimitedShare(), 4));
        }
        List<Double> cpr = new ArrayList<>();
        shared.forEach(r -> cpr.addAll(r.commandsPerRequest()));
        double commands = mean(cpr);
        j.put("redis_commands_per_request", Report.round(commands, 3));
        ObjectNode f = j.putObject("fallback");
        f.put("lost_jobs", fb.lost());
        f.put("duplicate_results", fb.duplicates());
        f.put("rate_limited_share", Report.round(fb.rateLimitedShare(), 4));

        Report r = ctx.section("scaleout");
        r.h2("Scale-out: 1, 2 and 3 worker processes, one shared quota (Redis) vs local windows");
        r.p(String.format(Locale.ROOT, "Three small token-bound deployments (%s; summed %,d TPM; RPM 6 per 1K TPM; "
                        + "jobs of 1,000-1,500 tokens with max_tokens 5, so tokens bind), realistic latency, a fresh "
                        + "simulator per run. Each run starts N worker processes (`java %s ... WorkerCommand`, one "
                        + "consumer group, %d partitions, fixed admin port each), waits until every member owns a "
                        + "partition, then produces a backlog of %d quota-minutes that the run cannot finish. "
                        + "**Admitted** = admitted tokens per minute over the steady part (simulated seconds "
                        + "[t0 + %d, t0 + %d), t0 = the first admission) / summed TPM, from the simulator's per-second "
                        + "series, as in the utilisation scenario; **429s** = 429 answers / requests over the same "
                        + "part. Shared store: `quota: {store: redis}` against one real `redis-server` "
                        + "(pipeline-redis-embedded), a fresh key prefix per run; local: `quota: {store: local}`, "
                        + "every worker sized to the whole quota. **Time scale %s** for simulator and workers, "
                        + "`worker.bucket.window-margin-ms: %d` (= %d ms real): SharedQuotaIT found that three "
                        + "worker JVMs, Redis, the broker and the simulator on 2 cores need about 600 ms of real "
                        + "margin between Redis's admission and the service's; a window of 60 s refilled over 60 s + "
                        + "margin caps admitted at %.3f of TPM, so a higher time scale (cheaper wall time) costs "
                        + "admitted ratio.",
                String.join(", ", REGIONS.stream().map(x -> x.name() + " " + x.tpm() / 1000 + "K").toList()),
                SimSetup.summedTpm(REGIONS), String.join(" ", ctx.settings.workerJvmOptions()),
                ctx.settings.partitions(), size(ctx.settings.quick()).backlogQuotaMinutes(), WARMUP_S, z.durationS(),
                SimSetup.num(z.timeScale()), z.marginMs(), MARGIN_REAL_MS, 60_000.0 / (60_000 + z.marginMs())));
        List<List<String>> rows = new ArrayList<>();
        for (int i = 0; i < shared.size(); i++) {
            Run s = shared.get(i);
            Run l = local.get(i);
            rows.add(List.of(Integer.toString(s.workers()), Report.f(s.admittedRatio(), 4),
                    String.format(Locale.ROOT, "%s (%d of %d)", Report.pct(s.rateLimitedShare()), s.rateLimited(),
                            s.requests()),
                    Report.f(mean(s.commandsPerRequest()), 3),
                    Report.f(l.admittedRatio(), 4),
                    String.format(Locale.ROOT, "%s (%d of %d)", Report.pct(l.rateLimitedShare()), l.rateLimited(),
                            l.requests())));
        }
        r.table(List.of("workers", "shared: admitted / summed TPM", "shared: 429s", "shared: Redis commands per "
                + "request", "local: admitted / summed TPM", "local: 429s"), rows);
        chart(ctx, z, shared, local);
        r.image("scaleout", "scaleout.png");

        List<List<String>> v = new ArrayList<>();
        for (Run s : shared) {
            boolean a = s.admittedRatio() >= TARGET_ADMITTED;
            boolean q = s.rateLimitedShare() <= TARGET_429;
            v.add(List.of("admitted / summed TPM, " + s.workers() + " worker(s), shared", ">= 0.97",
                    Report.f(s.admittedRatio(), 4), Report.verdict(a)));
            v.add(List.of("429s / requests, " + s.workers() + " worker(s), shared", "<= 0.5%",
                    Report.pct(s.rateLimitedShare()), Report.verdict(q)));
            ctx.summary("scaleout", s.workers() + " worker(s) shared: admitted / 429s", ">= 0.97 / <= 0.5%",
                    Report.f(s.admittedRatio(), 4) + " / " + Report.pct(s.rateLimitedShare()), a && q);
        }
        boolean c = !Double.isNaN(commands) && commands <= TARGET_COMMANDS;
        v.add(List.of("Redis commands per LLM request (mean of the workers' gauge)", "<= 1",
                Report.f(commands, 3), Report.verdict(c)));
        ctx.summary("scaleout", "Redis commands per LLM request", "<= 1", Report.f(commands, 3), c);
        boolean fbOk = fb.lost() == 0 && fb.duplicates() == 0;
        v.add(List.of("Redis killed at 1/3, restarted at 2/3 (3 workers): lost / ids with >1 result", "0 / 0",
                fb.lost() + " / " + fb.duplicates(), Report.verdict(fbOk)));
        v.add(List.of("... its 429s / requests", "", String.format(Locale.ROOT, "%s (%d of %d)",
                Report.pct(fb.rateLimitedShare()), fb.rateLimited(), fb.requests()), "info"));
        ctx.summary("scaleout", "Redis down mid-run: lost / duplicates / 429s", "0 / 0 / -",
                fb.lost() + " / " + fb.duplicates() + " / " + Report.pct(fb.rateLimitedShare()), fbOk);
        r.table(List.of("target", "target value", "measured", "verdict"), v);
        r.p(String.format(Locale.ROOT, "**Redis down.** %,d token-bound jobs, three workers sharing Redis; Redis "
                        + "killed (SIGKILL) when a third of the jobs had a result and restarted at two thirds; the run "
                        + "ends when every job has a result (%.1f s). Lost = ids with no result record, duplicates = "
                        + "ids with more than one result record, read back read_committed from the result topic (as "
                        + "the reliability scenario counts them). The workers logged the fallback: %s; the return to "
                        + "the shared store: %s.", fb.jobs(), fb.wallSeconds(), fb.fellBack() ? "yes" : "**no**",
                fb.recovered() ? "yes" : "**no**"));
        r.p(String.format(Locale.ROOT, "Wall time per third of the jobs: before the kill %.1f s (it includes the "
                        + "first minute's full windows), Redis away %.1f s, after the restart %.1f s. At the summed "
                        + "quota a third of these jobs takes about %.1f s at this time scale; while Redis is away each "
                        + "worker admits on its share of the group's partitions, so the three shares add up to the "
                        + "whole quota and a slower middle third is throughput the fallback leaves unused.%s",
                fb.beforeS(), fb.awayS(), fb.afterS(),
                fb.jobs() / 3.0 * avgCost(ctx) / SimSetup.summedTpm(REGIONS) * 60 / z.timeScale(),
                fb.fellBackAtStart() ? " A worker also logged a fallback on a share of 1.00 at start-up (Redis did "
                        + "not answer its first connection within the timeout on the loaded machine, before it "
                        + "had partitions, so its share was the whole quota) and returned to Redis a second later; "
                        + "a start-up fallback before the first assignment is not conservative." : ""));
        if (!passShared(shared) || !c) {
            List<String> why = new ArrayList<>();
            if (shared.stream().anyMatch(s -> s.admittedRatio() < TARGET_ADMITTED)) {
                why.add(String.format(Locale.ROOT, "admitted below 0.97: with a window margin of %d simulated ms "
                        + "the worker keeps every 60 s window over %.1f s, which alone costs up to %.1f%% of the "
                        + "quota whatever the store (the margin is what three JVMs on 2 cores need at time scale %s; "
                        + "the full run's lower time scale keeps the same 600 ms real margin at a smaller simulated "
                        + "cost, for more wall time); compare the 1-worker shared figure with 2 and 3 workers for "
                        + "what sharing itself costs", z.marginMs(), 60 + z.marginMs() / 1000.0,
                        100.0 * z.marginMs() / (60_000 + z.marginMs()), SimSetup.num(z.timeScale())));
            }
            if (shared.stream().anyMatch(s -> s.rateLimitedShare() > TARGET_429)) {
                why.add(String.format(Locale.ROOT, "429s above 0.5%%: requests admitted by Redis reached the "
                        + "simulator later than the margin covers (several JVMs, Redis, the broker and the simulator "
                        + "on 2 cores delay sends), so the service's sliding window saw more than the quota; the "
                        + "steady part holds only about %d requests, so one 429 is %.2f%% (the local-window runs "
                        + "show the overshoot without sharing)", shared.get(shared.size() - 1).requests(),
                        100.0 / Math.max(1, shared.get(shared.size() - 1).requests())));
            }
            if (!c) {
                why.add("Redis commands per request above 1 (or not read): the worker's gauge counts every "
                        + "command (bookings, including those refused because the turn was beyond "
                        + "quota.schedule-ahead-ms, cooldowns, corrections) over the requests booked through Redis; "
                        + "a worker books everything it has ready for a deployment in one command, so this rises "
                        + "only when each booking holds a single request");
            }
            r.p("**Missed:** " + String.join("; ", why) + ". The simulator and the worker are not tuned by this "
                    + "benchmark.");
        }
    }
}
