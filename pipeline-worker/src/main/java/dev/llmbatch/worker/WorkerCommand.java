package dev.llmbatch.worker;

import dev.llmbatch.core.config.ConfigException;
import dev.llmbatch.core.config.ConfigLoader;
import dev.llmbatch.core.config.PipelineConfig;
import java.io.PrintStream;
import java.nio.file.Path;

/**
 * {@code bin/pipeline worker --config FILE}: runs a worker until SIGTERM, then stops gracefully (stop polling, finish
 * in-flight work within the grace period, publish, commit, exit).
 */
public final class WorkerCommand {
    private WorkerCommand() {
    }

    /** Runs a worker as its own process (what bin/pipeline worker does). */
    public static void main(String[] args) throws InterruptedException {
        System.exit(run(args, System.out));
    }

    public static int run(String[] args, PrintStream out) throws InterruptedException {
        Path config = null;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--config") && i + 1 < args.length) {
                config = Path.of(args[++i]);
            } else {
                out.println("usage: pipeline worker --config FILE   (unknown argument: " + args[i] + ")");
                return 2;
            }
        }
        if (config == null) {
            out.println("usage: pipeline worker --config FILE   (--config is required)");
            return 2;
        }
        PipelineConfig cfg;
        Worker worker;
        try {
            cfg = ConfigLoader.load(config, System.getenv());
            worker = Worker.start(cfg, System.getenv());
        } catch (ConfigException e) {
            out.println("config error: " + e.getMessage());
            return 2;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(worker::close, "llm-worker-shutdown"));
        out.println("worker running; admin http on " + cfg.worker().httpHost() + ":" + worker.adminPort()
                + " (SIGTERM to stop)");
        worker.awaitTermination();
        return worker.failure() == null ? 0 : 1;
    }
}
