package dev.llmbatch.worker;

import dev.llmbatch.command.Commands;
import dev.llmbatch.command.StreamCommand;
import dev.llmbatch.command.VersionProvider;
import dev.llmbatch.core.config.ConfigException;
import dev.llmbatch.core.config.ConfigLoader;
import dev.llmbatch.core.config.PipelineConfig;
import dev.llmbatch.worker.topics.MissingTopicsException;
import java.io.PrintStream;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bin/pipeline worker --config FILE}: runs a worker until SIGTERM, then stops gracefully (stop polling, finish
 * in-flight work within the grace period, publish, commit, exit). One instance per command line; {@link #call()}
 * blocks the calling thread for the life of the worker.
 */
@Command(name = "worker", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"Runs a worker until SIGTERM; then it stops polling, finishes in-flight work within the grace "
                + "period, publishes, commits and exits.",
                "Exit codes: 0 stopped, 1 failed, 2 bad usage or config."})
public final class WorkerCommand extends StreamCommand {
    @Option(names = "--config", paramLabel = "FILE", required = true,
            description = "worker YAML; every key can be overridden by a PIPELINE_... environment variable")
    Path config;

    /** Runs a worker as its own process (what bin/pipeline worker does). */
    public static void main(String[] args) {
        System.exit(Commands.execute(new WorkerCommand(), args));
    }

    @Override
    public Integer call() throws InterruptedException {
        PipelineConfig cfg;
        Worker worker;
        try {
            cfg = ConfigLoader.load(config, System.getenv());
            worker = Worker.start(cfg, System.getenv());
        } catch (ConfigException e) {
            out.println("config error: " + e.getMessage());
            return Commands.USAGE;
        } catch (MissingTopicsException e) {
            out.println("worker: " + e.withConfig(config));
            return Commands.FAILED;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(worker::close, "llm-worker-shutdown"));
        out.println("worker running; admin http on " + cfg.worker().httpHost() + ":" + worker.adminPort()
                + " (SIGTERM to stop)");
        worker.awaitTermination();
        return worker.failure() == null ? 0 : 1;
    }
}
