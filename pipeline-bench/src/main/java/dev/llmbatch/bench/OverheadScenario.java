package dev.llmbatch.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmbatch.bench.chart.Chart;
import dev.llmbatch.bench.report.Report;
import dev.llmbatch.core.result.JobResult;
import dev.llmbatch.core.result.Status;
import dev.llmbatch.worker.Worker;
import java.awt.Color;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Scenario 3: simulator with zero latency and a quota that never binds; jobs/s through the whole pipeline vs jobs/s
 * of a raw consume -> produce passthrough of the same records on the same broker, in the same run (passthrough,
 * pipeline, passthrough again; the reference is the mean of the two passthroughs). The simulator runs in a JVM of
 * its own so that CPU per job can be attributed to the worker, the simulator and the broker.
 */
final class OverheadScenario {
    static final double TARGET = 0.5;
    static final String PACKING = "batching: {messages-jobs: true}";
    static final List<String> WORKER_THREADS = List.of("llm-worker-kafka", "vert.x-eventloop",
            "kafka-producer-network-thread", "bench-results");

    /** The same jobs topic read by a fresh consumer group into fresh results and DLQ topics. */
    static SimSetup.Topics rerun(Context ctx, SimSetup.Topics t, String suffix) {
        SimSetup.Topics r = new SimSetup.Topics(t.jobs(), t.results() + "." + suffix, t.dlq() + "." + suffix,
                t.group() + "-" + suffix);
        ctx.kafka.createTopics(Map.of(r.results(), ctx.settings.partitions(), r.dlq(), 1));
        return r;
    }

    private OverheadScenario() {
    }

    /** One run: rates, CPU seconds per process, and for pipeline runs the outcome counts. */
    record Run(String name, long jobs, double wallSeconds, double steadyPerSecond, Cpu.Snapshot cpu,
               Map<Integer, Long> attempts, Map<String, Long> statuses, long connectionErrors,
               Map<String, Double> threads, double threadCpuSeconds) {
        double cpuMicrosPerJob(double seconds) {
            return seconds * 1e6 / jobs;
        }
    }

    static void run(Context ctx) throws Exception {
        Settings s = ctx.settings;
        int n = s.overheadJobs();
        SimSetup.Topics t = ctx.topics("overhead");
        String out0 = t.jobs() + ".copy0";
        String out1 = t.jobs() + ".copy1";
        String out2 = t.jobs() + ".copy2";
        ctx.kafka.createTopics(Map.of(out0, s.partitions(), out1, s.partitions(), out2, s.partitions()));
        SplittableRandom rnd = new SplittableRandom(s.seed() + 3);
        List<Workload.Item> items = new ArrayList<>(n);
        long bytes = 0;
        for (int i = 0; i < n; i++) {
            Workload.Item it = Workload.small("ovh", i, rnd);
            items.add(it);
            bytes += it.value().length;
        }
        BenchKafka.produce(ctx.bootstrap(), t.jobs(), items);
        double avgBytes = (double) bytes / n;
        items.clear();
        ctx.log("overhead: %d small jobs (%.0f bytes each on average)", n, avgBytes);
        Duration timeout = Duration.ofMinutes(20);

        List<Run> runs = new ArrayList<>();
        try (RemoteSimulator sim = RemoteSimulator.start(SimSetup.simulatorYaml(SimSetup.REGIONS, 1,
                SimSetup.Latency.INSTANT, true, s.seed()), SimSetup.REGIONS, true, ctx.out,
                List.of("-Xmx512m"), Duration.ofSeconds(60))) {
            // JIT warm-up of both code paths in this JVM and the simulator's (not reported)
            passthrough(ctx, t.jobs(), out0, t.group() + "-pt0", n, timeout, sim);
            pipeline(ctx, "warm-up", rerun(ctx, t, "w0"), n, timeout, sim, null, null);
            runs.add(passthrough(ctx, t.jobs(), out1, t.group() + "-pt1", n, timeout, sim));
            runs.add(pipeline(ctx, "pipeline (defaults)", rerun(ctx, t, "w1"), n, timeout, sim, null, null));
            runs.add(pipeline(ctx, "pipeline, packing messages jobs", rerun(ctx, t, "w3"), n, timeout,
                    sim, null, PACKING));
            runs.add(passthrough(ctx, t.jobs(), out2, t.group() + "-pt2", n, timeout, sim));
        }
        Run p1 = runs.get(0);
        Run w = runs.get(1);
        Run wp = runs.get(2);
        Run p2 = runs.get(3);
        double ratioWp = wp.steadyPerSecond() / ((p1.steadyPerSecond() + p2.steadyPerSecond()) / 2);
        double pass = (p1.steadyPerSecond() + p2.steadyPerSecond()) / 2;
        double ratio = w.steadyPerSecond() / pass;
        double passWall = (n / p1.wallSeconds() + n / p2.wallSeconds()) / 2;
        double ratioWall = (n / w.wallSeconds()) / passWall;

        ObjectNode j = ctx.json.putObject("overhead");
        j.put("pipeline_jobs_per_s", Report.round(w.steadyPerSecond(), 1));
        j.put("passthrough_jobs_per_s", Report.round(pass, 1));
        j.put("ratio", Report.round(ratio, 4));
        j.put("ratio_incl_startup", Report.round(ratioWall, 4));
        j.put("pipeline_packing_jobs_per_s", Report.round(wp.steadyPerSecond(), 1));
        j.put("ratio_packing", Report.round(ratioWp, 4));
        j.put("pipeline_connection_errors", w.connectionErrors());
        j.put("jobs", n);
        j.put("avg_job_bytes", Report.round(avgBytes, 0));
        // thread CPU per job, side by side in this run: the worker's own threads (Kafka loop, dispatcher event
        // loops, result producer) against the passthrough's (its loop and its producer)
        double workerThreadUs = w.cpuMicrosPerJob(w.threadCpuSeconds());
        double passThreadUs = (p1.cpuMicrosPerJob(p1.threadCpuSeconds())
                + p2.cpuMicrosPerJob(p2.threadCpuSeconds())) / 2;
        j.put("worker_cpu_us_per_job", Report.round(workerThreadUs, 1));
        j.put("passthrough_cpu_us_per_job", Report.round(passThreadUs, 1));
        j.put("worker_to_passthrough_cpu_ratio", Report.round(workerThreadUs / passThreadUs, 2));
        j.put("worker_packing_cpu_us_per_job", Report.round(wp.cpuMicrosPerJob(wp.threadCpuSeconds()), 1));
        ObjectNode cpu = j.putObject("cpu_us_per_job");
        for (Run r : runs) {
            ObjectNode c = cpu.putObject(r.name());
            c.put("bench_jvm", Report.round(r.cpuMicrosPerJob(r.cpu().self()), 1));
            c.put("broker", Report.round(r.cpuMicrosPerJob(r.cpu().broker()), 1));
            c.put("simulator", Report.round(r.cpuMicrosPerJob(r.cpu().other()), 1));
        }
        boolean ok = ratio >= TARGET;
        ctx.summary("3 overhead", "pipeline jobs/s / passthrough jobs/s", ">= 0.5", String.format(Locale.ROOT,
                "%.3f (%.0f / %.0f jobs/s)", ratio, w.steadyPerSecond(), pass), ok);

        ctx.summary("3 overhead", "worker thread CPU per unpacked job (passthrough's alongside)", "<= 45 µs",
                String.format(Locale.ROOT, "%.0f µs (passthrough %.0f µs, %.1fx)", workerThreadUs, passThreadUs,
                        workerThreadUs / passThreadUs), workerThreadUs <= 45);
        Report r = ctx.section("overhead");
        r.h2("3. Overhead");
        r.p(String.format(Locale.ROOT, "%,d sentiment jobs of 200-600 characters (%.0f bytes per record) on a "
                        + "%d-partition topic; every run reads the same topic with its own consumer group. Pipeline: a worker "
                        + "in the benchmark JVM (default settings: exactly-once, max-in-flight 2000, 500 records per "
                        + "poll, 64 connections and a wait queue of 256 per region) against three simulated regions "
                        + "with zero latency and a quota of 10^10 TPM, in a JVM of their own; jobs/s until every "
                        + "result is visible to a read_committed consumer. Passthrough: a raw consume -> produce loop "
                        + "over the same records, same broker, same partitions, acks=all, run before and after the "
                        + "pipeline. Before the measured runs, one passthrough and one pipeline run over the same records "
                        + "warm up the JIT of this JVM and the simulator's (without it a 20,000-job run measures "
                        + "mostly C2 compilation: ~19 s of compiler time in the first ~15 s). Rates are steady rates, (records - 1) / (last - first output append timestamp), "
                        + "so that consumer-group joins and JVM start-up do not count. CPU is user + system time per "
                        + "process over each run, divided by the jobs (the benchmark JVM hosts the worker or the "
                        + "passthrough loop, plus a result reader).",
                n, avgBytes, s.partitions()));
        List<List<String>> rows = new ArrayList<>();
        for (Run x : runs) {
            rows.add(List.of(x.name(), Report.f(x.steadyPerSecond(), 0), Report.f(n / x.wallSeconds(), 0),
                    Report.f(x.wallSeconds(), 1), Report.f(x.cpuMicrosPerJob(x.cpu().self()), 0),
                    Report.f(x.cpuMicrosPerJob(x.cpu().broker()), 0),
                    Report.f(x.cpuMicrosPerJob(x.cpu().other()), 0),
                    x.attempts() == null ? "" : x.attempts() + "; " + x.connectionErrors() + " connection_error"));
        }
        r.table(List.of("run", "steady jobs/s", "jobs/s incl. start-up", "wall s", "CPU µs/job bench JVM",
                "CPU µs/job broker", "CPU µs/job simulator", "attempts per job (count)"), rows);
        r.table(List.of("target", "measured", "verdict"), List.of(
                List.of("pipeline / passthrough >= 0.5", String.format(Locale.ROOT, "%.3f (incl. start-up %.3f)",
                        ratio, ratioWall), Report.verdict(ok)),
                List.of("same, plus prompt packing of messages jobs (batching.messages-jobs: true)",
                        Report.f(ratioWp, 3), Report.verdict(ratioWp >= TARGET))));
        double passCpu = (p1.cpuMicrosPerJob(p1.cpu().self() + p1.cpu().broker())
                + p2.cpuMicrosPerJob(p2.cpu().self() + p2.cpu().broker())) / 2;
        double workerCpu = w.cpuMicrosPerJob(w.cpu().self());
        double simCpu = w.cpuMicrosPerJob(w.cpu().other());
        double brokerCpu = w.cpuMicrosPerJob(w.cpu().broker());
        int cores = Runtime.getRuntime().availableProcessors();
        double freeWorkerRate = cores * 1e6 / (simCpu + brokerCpu);
        StringBuilder th = new StringBuilder();
        double javaThreads = 0;
        for (Map.Entry<String, Double> e : w.threads().entrySet()) {
            double us = e.getValue() * 1e6 / n;
            if (e.getKey().equals("bench-results")) {
                continue;
            }
            javaThreads += us;
            th.append(String.format(Locale.ROOT, "%s%s %.0f µs", th.length() == 0 ? "" : ", ", e.getKey(), us));
        }
        ObjectNode tj = j.putObject("worker_thread_cpu_us_per_job");
        w.threads().forEach((k, v) -> tj.put(k, Report.round(v * 1e6 / n, 1)));
        if (!ok) {
            r.p(String.format(Locale.ROOT, "**Why the target is missed (%.3f instead of 0.5, %.0fx short):** the "
                            + "machine is CPU-bound (%d cores shared by the worker, the simulator and the broker), "
                            + "so throughput is cores / CPU per job. The passthrough costs %.0f µs of CPU per job "
                            + "(its JVM + broker). The pipeline costs %.0f µs in the worker JVM, %.0f µs in the "
                            + "simulator and %.0f µs in the broker per job. The simulator alone is more than the "
                            + "whole passthrough: even a worker that cost nothing would reach about %.0f jobs/s = "
                            + "%.2f of the passthrough. Per thread, the worker spent %s per job (%.0f µs in its Java "
                            + "threads; the benchmark's result reader took %.0f µs; the rest of the JVM's %.0f µs is "
                            + "JIT compilation and GC, still large after the warm-up on 2 cores). A JFR profile of a steady-state run (outside this benchmark) "
                            + "puts the largest own costs in the exact jtokkit prompt count on the single Kafka "
                            + "loop thread (about a quarter of the worker's samples; JobResolver -> "
                            + "TokenEstimator.promptTokens), the tree parse of every response (OutcomeClassifier, "
                            + "~10%%) and the HTTP client; one HTTP call per job is the structural cost, which prompt "
                            + "packing divides (see its row).", ratio, 0.5 / ratio, cores, passCpu, workerCpu,
                    simCpu, brokerCpu, freeWorkerRate, freeWorkerRate / pass, th, javaThreads,
                    w.threads().getOrDefault("bench-results", 0.0) * 1e6 / n, workerCpu));
        }
        r.image("overhead", "overhead.png");
        concurrencyProbe(ctx, r, j);
        Chart c = new Chart("Overhead: steady jobs/s per run", "run (in order)", "jobs / s")
                .subtitle("in run order, after a warm-up of both paths; ratio (defaults) " + Report.f(ratio, 3));
        double[] xs = new double[runs.size()];
        double[] ys = new double[runs.size()];
        for (int i = 0; i < runs.size(); i++) {
            xs[i] = i;
            ys[i] = runs.get(i).steadyPerSecond();
        }
        c.bars(runs.stream().map(x -> x.name().replace("pipeline, packing messages jobs", "pipeline + packing"))
                .toList(), ys, Chart.PALETTE[0])
                .hline("target: 50% of the mean passthrough", pass * 0.5, Color.RED);
        c.writePng(ctx.out.resolve("overhead.png"), 1000, 420);
    }

    /**
     * Not a target of the issue, but "the pipeline never the bottleneck": with real latency and a quota that does
     * not bind (a large Global Standard deployment), throughput is calls in flight / latency, and calls in flight per
     * deployment are capped at the HTTP pool size (max-connections-per-region, default 64). Same jobs, same
     * simulator (realistic latency, time-scale 1, unlimited quota), default pool vs a pool of 256.
     */
    static void concurrencyProbe(Context ctx, Report r, ObjectNode j) throws Exception {
        int n = ctx.settings.quick() ? 4000 : 12000;
        SimSetup.Topics t = ctx.topics("concurrency");
        SplittableRandom rnd = new SplittableRandom(ctx.settings.seed() + 6);
        List<Workload.Item> items = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            items.add(Workload.small("cc", i, rnd));
        }
        BenchKafka.produce(ctx.bootstrap(), t.jobs(), items);
        List<List<String>> rows = new ArrayList<>();
        ObjectNode cj = j.putObject("concurrency_probe");
        for (int pool : new int[] {64, 256}) {
            SimSetup.Topics tt = rerun(ctx, t, "pool" + pool);
            try (dev.llmbatch.simulator.Simulator sim = SimSetup.startSimulator(SimSetup.REGIONS, 1,
                    SimSetup.Latency.REALISTIC, true, ctx.settings.seed());
                 BenchKafka.ResultCollector results = new BenchKafka.ResultCollector(ctx.bootstrap(),
                         tt.results(), true, null)) {
                String extra = pool == 64 ? null : "pool: {max-connections-per-region: " + pool + "}";
                String yaml = SimSetup.workerYaml(SimSetup.endpoints(sim), ctx.bootstrap(), tt, 1, true, extra,
                        null);
                try (Worker worker = Worker.start(SimSetup.workerConfig(yaml), SimSetup.workerEnv())) {
                    if (!results.awaitCount(n, Duration.ofMinutes(10))) {
                        throw new IllegalStateException("concurrency probe: " + results.distinct() + " of " + n);
                    }
                }
                double rate = (n - 1) * 1000.0 / Math.max(1, results.lastTimestamp() - results.firstTimestamp());
                dev.llmbatch.bench.stats.Percentiles q = dev.llmbatch.bench.stats.Percentiles.of(results.byId()
                        .values().stream().mapToLong(o -> o.result().queuedMs()).toArray());
                dev.llmbatch.bench.stats.Percentiles lat = dev.llmbatch.bench.stats.Percentiles.of(results.byId()
                        .values().stream().mapToLong(o -> o.result().latencyMs()).toArray());
                ctx.log("overhead/concurrency: pool %d: %.0f jobs/s, queued p50 %.0f ms", pool, rate,
                        q.percentile(50));
                rows.add(List.of(pool == 64 ? "64 (default)" : Integer.toString(pool), Report.f(rate, 0),
                        Report.f(lat.percentile(50), 0), Report.f(q.percentile(50), 0) + " / "
                                + Report.f(q.percentile(99), 0)));
                cj.putObject("pool_" + pool).put("jobs_per_s", Report.round(rate, 1))
                        .put("queued_p50_ms", q.percentile(50));
            }
        }
        r.p(String.format(Locale.ROOT, "**Calls-in-flight cap (not an issue target).** %,d of the same jobs against "
                + "the three regions with realistic latency (time-scale 1; about 0.4 / 0.65 / 1.2 s) and a quota "
                + "that never binds. Calls in flight per deployment are capped at the HTTP pool size, so throughput "
                + "is at most 64 / latency per region (about 320 jobs/s here) and jobs queue in the worker while "
                + "quota is free:", n));
        r.table(List.of("max-connections-per-region", "steady jobs/s", "latency_ms p50", "queued_ms p50 / p99"),
                rows);
    }

    static Run passthrough(Context ctx, String source, String target, String group, int n, Duration timeout,
            RemoteSimulator sim) {
        Cpu.Snapshot before = Cpu.Snapshot.take(sim.handle());
        Passthrough.Result p = Passthrough.run(ctx.bootstrap(), source, target, group, n, timeout);
        Cpu.Snapshot used = Cpu.Snapshot.take(sim.handle()).minus(before);
        String name = "passthrough #" + group.substring(group.length() - 1);
        ctx.log("overhead: %s %.0f jobs/s steady", name, p.steadyPerSecond());
        return new Run(name, n, p.wallSeconds(), p.steadyPerSecond(), used, null, null, 0, Map.of(),
                p.threadCpuSeconds());
    }

    static Run pipeline(Context ctx, String name, SimSetup.Topics t, int n, Duration timeout, RemoteSimulator sim,
            String workerExtra, String poolExtra) throws Exception {
        Map<Integer, Long> attempts = new TreeMap<>();
        Map<String, Long> statuses = new TreeMap<>();
        AtomicLong connErrors = new AtomicLong();
        try (BenchKafka.ResultCollector results = new BenchKafka.ResultCollector(ctx.bootstrap(), t.results(),
                false, o -> {
                    JobResult jr = o.result();
                    synchronized (attempts) {
                        attempts.merge(jr.attempts(), 1L, Long::sum);
                        statuses.merge(jr.status().wire(), 1L, Long::sum);
                    }
                    connErrors.addAndGet(jr.trace().stream().filter(x -> x.endsWith(":connection_error")).count());
                })) {
            String yaml = SimSetup.workerYaml(sim.endpoints(), ctx.bootstrap(), t, 1, true, workerExtra, poolExtra);
            Cpu.Snapshot before = Cpu.Snapshot.take(sim.handle());
            ThreadCpu threads = new ThreadCpu();
            long start = System.nanoTime();
            try (Worker worker = Worker.start(SimSetup.workerConfig(yaml), SimSetup.workerEnv())) {
                if (!results.awaitCount(n, timeout)) {
                    throw new IllegalStateException(name + " answered " + results.distinct() + " of " + n);
                }
                double wall = (System.nanoTime() - start) / 1e9;
                Cpu.Snapshot used = Cpu.Snapshot.take(sim.handle()).minus(before);
                double steady = (n - 1) * 1000.0 / Math.max(1, results.lastTimestamp() - results.firstTimestamp());
                ctx.log("overhead: %s %.0f jobs/s steady; attempts %s; statuses %s", name, steady, attempts,
                        statuses);
                Map<String, Double> byThread = threads.since(WORKER_THREADS);
                double workerCpu = byThread.entrySet().stream().filter(e -> !e.getKey().equals("bench-results"))
                        .mapToDouble(Map.Entry::getValue).sum();
                synchronized (attempts) {
                    return new Run(name, n, wall, steady, used, Map.copyOf(attempts), Map.copyOf(statuses),
                            connErrors.get(), byThread, workerCpu);
                }
            }
        }
    }

    static boolean allSucceeded(Map<String, Long> statuses) {
        return statuses.keySet().stream().allMatch(k -> k.equals(Status.SUCCEEDED.wire()));
    }
}
