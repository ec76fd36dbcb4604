package dev.llmbatch.bench;

import dev.llmbatch.bench.report.Report;
import dev.llmbatch.command.Commands;
import dev.llmbatch.command.StreamCommand;
import dev.llmbatch.command.VersionProvider;
import dev.llmbatch.kafka.embedded.EmbeddedKafka;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code bin/pipeline bench [--quick] --out DIR [--only utilisation,storm,overhead,latency,memory,batching,
 * reliability,adaptive,scaleout,hedging]}: runs the throughput scenarios of issue 3 (and prompt packing, and the kill -9 / exactly-once
 * scenario of issue 5) against the region simulator and a real single-node broker, with the baselines side by side
 * in the same run, and writes DIR/report.md, DIR/report.json and PNG charts.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        sortOptions = false,
        description = {"Benchmarks against the simulator and the embedded broker, baselines side by side; writes "
                + "DIR/report.md, DIR/report.json and PNG charts.",
                "--quick: everything scaled down, about 5 minutes on 2 cores. Full run: 1,000,000-job memory backlog, "
                + "10-minute utilisation runs at time-scale 10, latency fix variants: about 25-30 minutes.",
                "Reliability alone (measured): --quick 72 s on an idle machine, 95-130 s at load 8-11 (3,000 jobs, "
                + "3 x kill -9; exactly-once vs at-least-once over 3 x 2 runs of 3,000 jobs); full 2.6 minutes idle, "
                + "3.5 at load 6-9 (20,000 jobs, plus an at-least-once crash run of 5,000 jobs; 5 x 2 runs of 20,000 "
                + "jobs).",
                "Adaptive (issue 9: learned answer budgets on/off, prompt calibration, small deployments): --quick "
                + "150-250 s measured at load 10-14 (2,000 translate jobs x 4 runs, 2 x 1,200 Japanese jobs, 3 min of "
                + "small deployments).",
                "Scale-out (issue 10: 1, 2 and 3 worker processes, quota shared through a real Redis vs local "
                + "windows, and Redis killed and restarted mid-run): --quick 6 runs of 180 simulated s at "
                + "time-scale 5 plus a 900-job Redis-down run; full 420 s at time-scale 2 and 2,400 jobs.",
                "Hedging (issue 15: the same translate backlog with hedging off and on, one region heavy-tailed and "
                + "stalling 5% of its calls for 30 s): --quick 2 x 1,500 jobs at time-scale 10; full 2 x 6,000."})
public final class BenchCommand extends StreamCommand {
    static final List<String> SCENARIOS = List.of("utilisation", "storm", "overhead", "latency", "memory",
            "batching", "reliability", "adaptive", "scaleout", "hedging");

    @Spec
    CommandSpec spec;

    @Option(names = "--quick", description = "the scaled-down run")
    boolean quick;

    @Option(names = "--out", paramLabel = "DIR", required = true, description = "report directory")
    Path dir;

    @Option(names = "--only", paramLabel = "SCENARIO", split = ",",
            description = "run only these (default all): ${COMPLETION-CANDIDATES}",
            completionCandidates = Scenarios.class)
    List<String> only;

    /** The scenario names, for completion and the usage text. */
    static final class Scenarios extends ArrayList<String> {
        private static final long serialVersionUID = 1L;

        Scenarios() {
            super(SCENARIOS);
        }
    }

    /** Standalone entry point (the module's own classpath): uses the bench logging configuration. */
    public static void main(String[] args) {
        if (System.getProperty("logback.configurationFile") == null) {
            System.setProperty("logback.configurationFile", "logback-bench.xml");
        }
        System.exit(Commands.execute(new BenchCommand(), args));
    }

    /** Runs the command line; the report's progress goes to {@code out}. */
    public static int run(String[] args, PrintStream out) {
        return Commands.execute(new BenchCommand(), args, out, out);
    }

    @Override
    public Integer call() throws Exception {
        Set<String> chosen = new LinkedHashSet<>(SCENARIOS);
        if (only != null) {
            chosen.clear();
            for (String s : only) {
                if (!SCENARIOS.contains(s.trim())) {
                    throw Commands.usage(spec, "--only: unknown scenario '" + s + "' (one of "
                            + String.join(",", SCENARIOS) + ")");
                }
                chosen.add(s.trim());
            }
        }
        return run(chosen, spec.commandLine().getParseResult().originalArgs().toArray(String[]::new));
    }

    private int run(Set<String> only, String[] args) throws Exception {
        System.setProperty("java.awt.headless", "true");
        Files.createDirectories(dir);
        Settings settings = quick ? Settings.quickRun() : Settings.fullRun();
        Map<String, String> machine = Machine.describe();
        Report root = new Report();
        long t0 = System.nanoTime();
        Instant started = Instant.now();
        List<String> failures = new ArrayList<>();
        // Broker append time on every topic: job and result timestamps come from one clock, the broker's.
        EmbeddedKafka.Options opts = EmbeddedKafka.Options.builder()
                .brokerProperty("log.message.timestamp.type", "LogAppendTime").build();
        try (EmbeddedKafka kafka = EmbeddedKafka.start(opts)) {
            Context ctx = new Context(settings, kafka, dir, out, root.json());
            ctx.log("broker %s; scenarios %s; %s run; report in %s", kafka.bootstrapServers(), only,
                    quick ? "quick" : "full", dir.toAbsolutePath());
            for (String s : only) {
                long st = System.nanoTime();
                try {
                    switch (s) {
                        case "utilisation" -> UtilisationScenario.run(ctx);
                        case "storm" -> StormScenario.run(ctx);
                        case "overhead" -> OverheadScenario.run(ctx);
                        case "latency" -> LatencyScenario.run(ctx);
                        case "memory" -> MemoryScenario.run(ctx);
                        case "batching" -> BatchingScenario.run(ctx);
                        case "reliability" -> ReliabilityScenario.run(ctx);
                        case "adaptive" -> AdaptiveScenario.run(ctx);
                        case "scaleout" -> ScaleoutScenario.run(ctx);
                        case "hedging" -> HedgingScenario.run(ctx);
                        default -> throw new IllegalStateException(s);
                    }
                } catch (Exception | AssertionError e) {
                    failures.add(s + ": " + e);
                    ctx.log("scenario %s failed: %s", s, e);
                    e.printStackTrace(out);
                }
                ctx.log("scenario %s took %.1f s wall", s, (System.nanoTime() - st) / 1e9);
                root.json().with("wall_seconds").put(s, Report.round((System.nanoTime() - st) / 1e9, 1));
            }
            double wall = (System.nanoTime() - t0) / 1e9;
            root.json().with("wall_seconds").put("total", Report.round(wall, 1));
            writeReport(ctx, root, dir, machine, settings, started, wall, failures, args);
            ctx.log("done in %.1f s: %s", wall, dir.resolve("report.md").toAbsolutePath());
        }
        return failures.isEmpty() ? 0 : 1;
    }

    private static void writeReport(Context ctx, Report root, Path dir, Map<String, String> machine,
            Settings settings, Instant started, double wall, List<String> failures, String[] args) throws Exception {
        Report md = new Report();
        md.h1("llm-batch-pipeline benchmark (" + (settings.quick() ? "quick" : "full") + ")");
        md.p(String.format(Locale.ROOT, "Started %s, wall time %.0f s. Command: `bin/pipeline bench %s`. Every "
                        + "figure is a ratio or a difference measured side by side in this run (2 noisy cores: "
                        + "absolute rates mean little across runs).",
                started, wall, String.join(" ", args)));
        md.h2("Summary");
        md.table(List.of("scenario", "metric", "target", "measured", "verdict"), ctx.summary);
        if (!failures.isEmpty()) {
            md.p("**Scenarios that failed to run:** " + String.join("; ", failures));
        }
        md.h2("Machine");
        List<List<String>> rows = new ArrayList<>();
        machine.forEach((k, v) -> rows.add(List.of(k, v)));
        rows.add(List.of("load average at end", Machine.loadAvg().orElse("?")));
        md.table(List.of("", ""), rows);
        md.h2("Settings");
        md.p("Everything not listed is the product's default (pipeline-defaults.yaml). The broker is the embedded "
                + "single-node KRaft broker (its own JVM, -Xmx512m) with `log.message.timestamp.type=LogAppendTime`; "
                + "topics have " + settings.partitions() + " partitions. The worker config sets only "
                + "`max-request-tokens: 2048`, `grace-period-ms: 2000`, an admin port and `time-scale` (= the "
                + "simulator's).");
        md.code(settings.toString().replace(", ", ",\n  ").replace("Settings[", "Settings[\n  "));
        root.json().putPOJO("settings", settings);
        ctx.sections.values().forEach(s -> md.p(s.markdown().strip()));
        Files.writeString(dir.resolve("report.md"), md.markdown());
        Files.writeString(dir.resolve("report.json"), Report.JSON.writeValueAsString(root.json()) + "\n");
    }
}
