package dev.llmbatch.simulator;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * {@code pipeline simulator [--config FILE]}: starts the regions of {@code FILE} (else
 * {@link SimulatorConfig#localDefault()}), prints one line per region,
 * {@code region NAME http://127.0.0.1:PORT deployments=a,b}, and runs until the JVM is asked to stop (SIGTERM,
 * Ctrl-C). Exit codes: 0 stopped normally, 1 the config or the start failed, 2 bad arguments.
 *
 * <p>Called once from the launcher's main thread, which it blocks.
 */
public final class SimulatorCommand {

    private SimulatorCommand() {
    }

    /** Entry point for a standalone JVM. */
    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs until SIGTERM / Ctrl-C; returns the exit code. */
    public static int run(String[] args) {
        CountDownLatch stop = new CountDownLatch(1);
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            stop.countDown();
            try {
                stopped.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "simulator-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            return run(args, System.out, System.err, stop);
        } finally {
            stopped.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the JVM is exiting: the hook is running
            }
        }
    }

    /** Runs until {@code stop} is counted down. */
    static int run(String[] args, PrintStream out, PrintStream err, CountDownLatch stop) {
        Path configFile = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--config" -> {
                    if (i + 1 >= args.length) {
                        err.println("--config needs a file");
                        usage(err);
                        return 2;
                    }
                    configFile = Path.of(args[++i]);
                }
                case "-h", "--help" -> {
                    usage(out);
                    return 0;
                }
                default -> {
                    err.println("unknown argument: " + args[i]);
                    usage(err);
                    return 2;
                }
            }
        }
        SimulatorConfig config;
        try {
            if (configFile != null && !Files.isRegularFile(configFile)) {
                err.println("config file not found: " + configFile);
                return 1;
            }
            config = configFile == null ? SimulatorConfig.localDefault() : SimulatorConfig.load(configFile);
        } catch (RuntimeException e) {
            err.println("invalid simulator config: " + e.getMessage());
            return 1;
        }
        try (Simulator sim = Simulator.start(config)) {
            for (String region : sim.regions()) {
                out.println("region " + region + " " + sim.endpoint(region) + " deployments="
                        + String.join(",", config.region(region).deployments().stream()
                        .map(DeploymentConfig::name).toList()));
            }
            out.flush();
            stop.await();
            return 0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 0;
        } catch (RuntimeException e) {
            err.println("simulator failed: " + e.getMessage());
            return 1;
        }
    }

    private static void usage(PrintStream s) {
        s.println("usage: pipeline simulator [--config FILE]   (default: the built-in three-region local setup)");
    }
}
