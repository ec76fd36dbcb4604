package dev.llmbatch.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmbatch.bench.chart.Chart;
import dev.llmbatch.bench.report.Report;
import dev.llmbatch.producer.JobSubmitter;
import dev.llmbatch.simulator.Simulator;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;

/**
 * Scenario 5: a backlog of {@code memoryJobs} jobs already on the jobs topic, then a worker started as its own
 * process with production heap settings; its RSS (/proc/PID/status VmRSS, and the kernel's high-water mark VmHWM)
 * is sampled while it drains against a zero-latency, unlimited simulator.
 */
final class MemoryScenario {
    static final double TARGET_MB = 512;

    private MemoryScenario() {
    }

    record Sample(double seconds, double rssMb, long drained) {
    }

    static void run(Context ctx) throws Exception {
        Settings s = ctx.settings;
        int n = s.memoryJobs();
        SimSetup.Topics t = ctx.topics("memory");
        long p0 = System.nanoTime();
        AtomicLong failed = new AtomicLong();
        long bytes = 0;
        try (JobSubmitter sub = BenchKafka.bulkSubmitter(ctx.bootstrap(), t.jobs())) {
            SplittableRandom rnd = new SplittableRandom(s.seed() + 5);
            for (int i = 0; i < n; i++) {
                Workload.Item it = Workload.small("mem", i, rnd);
                bytes += it.value().length;
                sub.submitRaw(it.id(), it.value()).whenComplete((v, e) -> {
                    if (e != null) {
                        failed.incrementAndGet();
                    }
                });
            }
            sub.flush();
        }
        if (failed.get() > 0) {
            throw new IllegalStateException(failed.get() + " backlog records could not be produced");
        }
        double produceS = (System.nanoTime() - p0) / 1e9;
        ctx.log("memory: backlog of %d jobs (%.0f MB of JSON) produced in %.1f s (%.0f jobs/s)", n, bytes / 1e6,
                produceS, n / produceS);

        List<Sample> samples = new ArrayList<>();
        long hwmKb;
        double drainS;
        long drained;
        int exit;
        List<String> command = new ArrayList<>();
        Map<String, Long> metrics;
        try (Simulator sim = SimSetup.startSimulator(SimSetup.REGIONS, 1, SimSetup.Latency.INSTANT, true, s.seed());
             Admin admin = BenchKafka.admin(ctx.bootstrap())) {
            Path cfg = ctx.out.resolve("memory-worker.yaml");
            Files.writeString(cfg, SimSetup.workerYaml(sim, ctx.bootstrap(), t, 1, true, null));
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            command.add(java);
            command.addAll(s.workerJvmOptions());
            command.add("-Dlogback.configurationFile=logback-bench.xml");
            command.add("-cp");
            command.add(System.getProperty("java.class.path"));
            command.add("dev.llmbatch.worker.WorkerCommand");
            command.add("--config");
            command.add(cfg.toAbsolutePath().toString());
            ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ctx.out.resolve("memory-worker.log").toFile());
            pb.environment().put(SimSetup.KEY_ENV, SimSetup.SIM_KEY);
            long start = System.nanoTime();
            Process proc = pb.start();
            long pid = proc.pid();
            ctx.log("memory: worker process %d started: %s", pid, String.join(" ", s.workerJvmOptions()));
            ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
            CompletableFuture<Void> done = new CompletableFuture<>();
            AtomicLong lastDrained = new AtomicLong();
            AtomicReference<Double> peak = new AtomicReference<>(0.0);
            AtomicLong tick = new AtomicLong();
            sampler.scheduleAtFixedRate(() -> {
                try {
                    if (!proc.isAlive()) {
                        done.completeExceptionally(new IllegalStateException("worker process exited with "
                                + proc.exitValue() + "; see memory-worker.log"));
                        return;
                    }
                    long rss = status(pid, "VmRSS");
                    if (tick.getAndIncrement() % 4 == 0) {
                        lastDrained.set(BenchKafka.committed(admin, t.group(), t.jobs()));
                    }
                    double secs = (System.nanoTime() - start) / 1e9;
                    synchronized (samples) {
                        samples.add(new Sample(secs, rss / 1024.0, lastDrained.get()));
                    }
                    peak.accumulateAndGet(rss / 1024.0, Math::max);
                    if (lastDrained.get() >= n || secs > s.memoryMaxDrainS()) {
                        done.complete(null);
                    }
                } catch (Exception e) {
                    done.completeExceptionally(e);
                }
            }, 100, 250, TimeUnit.MILLISECONDS);
            try {
                done.get(s.memoryMaxDrainS() + 120L, TimeUnit.SECONDS);
            } finally {
                sampler.shutdownNow();
                sampler.awaitTermination(5, TimeUnit.SECONDS);
            }
            drainS = (System.nanoTime() - start) / 1e9;
            hwmKb = status(pid, "VmHWM");
            metrics = scrapeMetrics(ctx.out.resolve("memory-worker.log"));
            if (s.workerJvmOptions().stream().anyMatch(o -> o.startsWith("-XX:NativeMemoryTracking"))) {
                Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
                new ProcessBuilder(jcmd.toString(), Long.toString(pid), "VM.native_memory", "summary")
                        .redirectErrorStream(true).redirectOutput(ctx.out.resolve("memory-nmt.txt").toFile())
                        .start().waitFor(60, TimeUnit.SECONDS);
            }
            drained = BenchKafka.committed(admin, t.group(), t.jobs());
            proc.destroy();
            if (!proc.waitFor(60, TimeUnit.SECONDS)) {
                proc.destroyForcibly();
                proc.waitFor(10, TimeUnit.SECONDS);
            }
            exit = proc.exitValue();
            ctx.log("memory: drained %d of %d in %.1f s; peak sampled RSS %.0f MB, VmHWM %.0f MB; exit %d",
                    drained, n, drainS, peak.get(), hwmKb / 1024.0, exit);
        }
        double maxSampled = samples.stream().mapToDouble(Sample::rssMb).max().orElse(0);
        double hwm = hwmKb / 1024.0;
        double rss = Math.max(maxSampled, hwm);
        boolean ok = rss <= TARGET_MB;
        boolean fully = drained >= n;

        ObjectNode j = ctx.json.putObject("memory");
        j.put("backlog_jobs", n);
        j.put("worker_rss_mb", Report.round(rss, 1));
        j.put("worker_rss_max_sampled_mb", Report.round(maxSampled, 1));
        j.put("worker_vm_hwm_mb", Report.round(hwm, 1));
        j.put("drained_jobs", drained);
        j.put("drain_seconds", Report.round(drainS, 1));
        j.put("drain_jobs_per_s", Report.round(drained / drainS, 1));
        j.put("worker_jvm_options", String.join(" ", s.workerJvmOptions()));
        ObjectNode mj = j.putObject("worker_metrics");
        metrics.forEach(mj::put);
        ctx.summary("5 memory", "worker peak RSS while draining " + String.format(Locale.ROOT, "%,d", n) + " jobs",
                "<= 512 MB", String.format(Locale.ROOT, "%.0f MB%s", rss, fully ? ""
                        : String.format(Locale.ROOT, " (drained %,d in %.0f s)", drained, drainS)), ok);

        long failedJobs = metrics.entrySet().stream().filter(e -> e.getKey().startsWith("llm_results_total")
                && !e.getKey().contains("status=succeeded")).mapToLong(Map.Entry::getValue).sum();
        long connErr = metrics.getOrDefault("llm_calls_total{outcome=connection_error}", 0L);
        j.put("jobs_not_succeeded", failedJobs);
        ctx.summary("5 memory", "jobs not succeeded while draining (no quota, no faults: should be 0)", "0",
                failedJobs + " (" + connErr + " connection_error calls)", failedJobs == 0);

        Report r = ctx.section("memory");
        r.h2("5. Memory");
        r.p(String.format(Locale.ROOT, "%,d sentiment jobs (%.0f bytes each, %.0f MB) produced to a %d-partition "
                        + "topic before the worker starts (%.1f s, %.0f jobs/s, lz4, 20 ms linger). The worker runs as "
                        + "its own process, `java %s ... dev.llmbatch.worker.WorkerCommand --config memory-worker.yaml` "
                        + "(default settings: max-in-flight 2000, exactly-once), against a zero-latency, unlimited "
                        + "simulator in the benchmark JVM. Heap settings are what a production user with a 512 MB "
                        + "container would choose: a 256 MB heap cap, 64 MB direct memory cap, G1, exit on OOM. RSS "
                        + "is sampled from /proc/PID/status every 250 ms; VmHWM is the kernel's peak.",
                n, (double) bytes / n, bytes / 1e6, s.partitions(), produceS, n / produceS,
                String.join(" ", s.workerJvmOptions())));
        r.table(List.of("metric", "target", "measured", "verdict"), List.of(
                List.of("peak RSS (max of sampled VmRSS and VmHWM)", "<= 512 MB", Report.f(rss, 0) + " MB",
                        Report.verdict(ok)),
                List.of("jobs drained", String.format(Locale.ROOT, "%,d", n),
                        String.format(Locale.ROOT, "%,d in %.0f s (%.0f jobs/s)", drained, drainS, drained / drainS),
                        fully ? "info" : "partial (time cap " + s.memoryMaxDrainS() + " s)"),
                List.of("worker exit code after SIGTERM", "0 or 143", Integer.toString(exit), "info"),
                List.of("worker /metrics before SIGTERM", "", metrics.toString(), "info")));
        r.image("memory", "memory.png");

        double[] xs;
        double[] rssY;
        double[] left;
        synchronized (samples) {
            xs = samples.stream().mapToDouble(Sample::seconds).toArray();
            rssY = samples.stream().mapToDouble(Sample::rssMb).toArray();
            left = samples.stream().mapToDouble(x -> n - x.drained()).toArray();
        }
        Chart c1 = new Chart("Worker RSS while draining a backlog of " + String.format(Locale.ROOT, "%,d", n)
                + " jobs", "wall seconds since the worker process started", "MB")
                .subtitle("VmRSS every 250 ms; heap " + String.join(" ", s.workerJvmOptions()));
        c1.line("worker RSS (peak " + Report.f(rss, 0) + " MB)", Chart.PALETTE[0], xs, rssY)
                .hline("limit 512 MB", TARGET_MB, Color.RED).yRange(0, 600);
        Chart c2 = new Chart("Backlog left on the jobs topic", "wall seconds since the worker process started",
                "jobs").subtitle("total jobs minus the worker group's committed offsets");
        c2.line("jobs not yet committed", Chart.PALETTE[2], xs, left);
        Chart.writePng(ctx.out.resolve("memory.png"), 1100, 380, List.of(c1, c2));
    }

    /**
     * Results by status and calls by outcome from the worker's /metrics (its admin port is printed in its log),
     * summed over regions.
     */
    static Map<String, Long> scrapeMetrics(Path log) {
        Map<String, Long> out = new TreeMap<>();
        try {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("admin http on ([0-9.]+):(\\d+)")
                    .matcher(Files.readString(log));
            if (!m.find()) {
                return out;
            }
            java.net.http.HttpClient c = java.net.http.HttpClient.newHttpClient();
            String body = c.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://" + m.group(1)
                    + ":" + m.group(2) + "/metrics")).timeout(java.time.Duration.ofSeconds(10)).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString()).body();
            java.util.regex.Pattern line = java.util.regex.Pattern.compile(
                    "^(llm_results_total|llm_calls_total|llm_intake_pauses_total)(\\{[^}]*})?\\s+([0-9.eE+]+)$");
            for (String l : body.split("\n")) {
                java.util.regex.Matcher x = line.matcher(l.trim());
                if (!x.matches()) {
                    continue;
                }
                String labels = x.group(2) == null ? "" : x.group(2);
                String key = x.group(1);
                java.util.regex.Matcher st = java.util.regex.Pattern.compile("(status|outcome)=\"([^\"]*)\"")
                        .matcher(labels);
                if (st.find()) {
                    key += "{" + st.group(1) + "=" + st.group(2) + "}";
                }
                out.merge(key, (long) Double.parseDouble(x.group(3)), Long::sum);
            }
        } catch (Exception e) {
            out.put("scrape_failed", 1L);
        }
        return out;
    }

    /** A kB field of /proc/PID/status, e.g. VmRSS. */
    static long status(long pid, String field) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith(field + ":")) {
                return Long.parseLong(line.replaceAll("\\D", ""));
            }
        }
        return 0;
    }
}
