package dev.llmbatch.cli;

import dev.llmbatch.command.Commands;
import dev.llmbatch.command.StreamCommand;
import dev.llmbatch.command.VersionProvider;
import dev.llmbatch.core.config.ConfigException;
import dev.llmbatch.core.config.ConfigLoader;
import dev.llmbatch.core.config.PipelineConfig;
import dev.llmbatch.simulator.SimulatorConfig;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code bin/pipeline plan --input jobs.jsonl [--config worker.yaml] [--output json]}: before a big run, what a job
 * file will reserve and cost and how long it takes at the configured quotas, without calling any model (see
 * {@link JobPlan}). Without {@code --config}, the quotas are those of {@code local}'s simulated regions. One
 * instance per command line.
 */
@Command(name = "plan", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class, sortOptions = false,
        description = {"Estimates a job file without calling any model: tokens per job and in total (as the service "
                + "counts them, ceil(chars/4)+1+max_tokens, and as billed at max_tokens), which limit binds (TPM or RPM) "
                + "per pool with and without packing, the time to drain at the configured quotas, the cost at the "
                + "configured prices, and the invalid lines with reasons.",
                "Exit codes: 0 done, 2 bad usage or config."})
public final class PlanCommand extends StreamCommand {
    /** How the plan is printed. */
    enum Output { text, json }

    @Spec
    CommandSpec spec;

    @Option(names = "--input", paramLabel = "FILE", required = true, description = "JSONL file of jobs")
    Path input;

    @Option(names = "--config", paramLabel = "FILE",
            description = "worker YAML: pools, quotas, tasks, prices (default: local's simulated regions)")
    Path config;

    @Option(names = "--output", paramLabel = "FORMAT", defaultValue = "text",
            description = "text or json (one object) (default ${DEFAULT-VALUE})")
    Output output;

    @Option(names = "--jobs", description = "also list every valid job's estimate (text output only)")
    boolean perJob;

    /**
     * {@code local}'s simulated regions. The worker image has no simulator on its classpath (plan is offered there
     * for real configs), so the simulator's classes are only touched once they are known to be present.
     */
    private PipelineConfig localRegions() {
        try {
            Class.forName("dev.llmbatch.simulator.SimulatorConfig", false, PlanCommand.class.getClassLoader());
        } catch (ClassNotFoundException absent) {
            throw Commands.usage(spec, "--config is required: without it plan uses local's simulated regions, and "
                    + "this installation has no simulator");
        }
        return ConfigLoader.parse(LocalCommand.simulatedConfig(SimulatorConfig.localDefault(),
                r -> "http://127.0.0.1:1"), env());
    }

    @Override
    public Integer call() throws IOException {
        if (!Files.isReadable(input)) {
            throw Commands.usage(spec, "--input: cannot read " + input);
        }
        PipelineConfig cfg;
        try {
            cfg = config == null ? localRegions() : ConfigLoader.load(config, System.getenv());
        } catch (ConfigException e) {
            throw Commands.usage(spec, "--config: " + e.getMessage());
        }
        JobPlan plan = new JobPlan(cfg);
        try (BufferedReader r = Files.newBufferedReader(input, StandardCharsets.UTF_8)) {
            String line;
            int n = 0;
            while ((line = r.readLine()) != null) {
                n++;
                if (line.isBlank()) {
                    continue;
                }
                JobPlan.JobEstimate e = plan.add(n, line.getBytes(StandardCharsets.UTF_8));
                if (perJob && e != null && output == Output.text) {
                    out.printf(Locale.ROOT, "job %-24s line %6d  pool %-14s service estimate %8d  reserved %8d  "
                            + "billed at max_tokens %8d%n", e.id(), n, e.pool(), e.serviceEstimate(), e.reserved(),
                            e.billedAtMaxTokens());
                }
            }
        }
        JobPlan.Report report = plan.report();
        if (output == Output.json) {
            out.println(report.toJson().toString());
        } else {
            print(report);
        }
        return 0;
    }

    private static Map<String, String> env() {
        Map<String, String> env = new HashMap<>(System.getenv());
        env.putIfAbsent(LocalCommand.SIM_KEY_ENV, "unused");
        return env;
    }

    private void print(JobPlan.Report r) {
        out.printf(Locale.ROOT, "%d lines: %d valid jobs, %d invalid%n", r.lines(), r.jobs(), r.invalid().size());
        for (JobPlan.PoolReport p : r.pools()) {
            out.printf(Locale.ROOT, "%npool %s: %,d jobs%n", p.pool(), p.jobs());
            out.printf(Locale.ROOT, "  tokens   service estimate %,d (ceil(chars/4)+1+max_tokens); reserved by the "
                    + "worker %,d; billed at most %,d (%,d prompt + %,d completion at max_tokens)%n",
                    p.serviceEstimate(), p.reserved(), p.promptTokens() + p.completionTokens(), p.promptTokens(),
                    p.completionTokens());
            out.printf(Locale.ROOT, "  quota    sustained %,.0f tokens/min and %,.1f requests/min (all deployments, "
                    + "as the worker's buckets admit)%n", p.tpm(), p.rpm());
            drain(" unpacked", p.unpacked(), r.timeScale());
            drain(" packed  ", p.packed(), r.timeScale());
            out.println("  cost     " + (p.cost() == null ? "unknown (no models." + p.pool() + ".price in the config)"
                    : String.format(Locale.ROOT, "%.4f at most (every answer as long as max_tokens)", p.cost())));
        }
        if (!r.invalid().isEmpty()) {
            out.printf(Locale.ROOT, "%ninvalid lines (not sent to any model):%n");
            r.invalid().forEach(i -> out.printf(Locale.ROOT, "  line %d: %s: %s%n", i.line(), i.code(), i.message()));
        }
    }

    private void drain(String label, JobPlan.Drain d, double timeScale) {
        String scaled = timeScale == 1.0 ? "" : String.format(Locale.ROOT, " (%.1f s wall at time-scale %s)",
                d.minutes() * 60 / timeScale, timeScale);
        out.printf(Locale.ROOT, " %s %,d requests, %,d tokens: %.2f min by TPM, %.2f min by RPM -> %s binds, "
                + "drains in %.2f min%s%n", label, d.requests(), d.tokens(), d.minutesByTokens(), d.minutesByRequests(),
                d.binding(), d.minutes(), scaled);
    }
}
