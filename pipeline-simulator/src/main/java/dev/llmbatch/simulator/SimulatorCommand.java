package dev.llmbatch.simulator;

import dev.llmbatch.command.Commands;
import dev.llmbatch.command.StreamCommand;
import dev.llmbatch.command.VersionProvider;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code pipeline simulator [--config FILE]}: starts the regions of {@code FILE} (else
 * {@link SimulatorConfig#localDefault()}), prints one line per region,
 * {@code region NAME http://127.0.0.1:PORT deployments=a,b}, and runs until the JVM is asked to stop (SIGTERM,
 * Ctrl-C). Exit codes: 0 stopped normally, 1 the config or the start failed, 2 bad arguments.
 *
 * <p>One instance per command line; {@link #call()} blocks the launcher's main thread.
 */
@Command(name = "simulator", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Runs the Azure-OpenAI-compatible region simulator until Ctrl-C or SIGTERM.")
public final class SimulatorCommand extends StreamCommand {

    @Option(names = "--config", paramLabel = "FILE",
            description = "simulator YAML (default: the built-in three-region local setup)")
    Path configFile;

    private CountDownLatch stop;

    /** Entry point for a standalone JVM. */
    public static void main(String[] args) {
        System.exit(Commands.execute(new SimulatorCommand(), args));
    }

    /** Runs until {@code stop} is counted down (tests); the command line runs until SIGTERM / Ctrl-C. */
    static int run(String[] args, PrintStream out, PrintStream err, CountDownLatch stop) {
        SimulatorCommand command = new SimulatorCommand();
        command.stop = stop;
        return Commands.execute(command, args, out, err);
    }

    @Override
    public Integer call() {
        if (stop != null) {
            return serve(stop);
        }
        CountDownLatch untilSignal = new CountDownLatch(1);
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            untilSignal.countDown();
            try {
                stopped.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "simulator-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            return serve(untilSignal);
        } finally {
            stopped.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the JVM is exiting: the hook is running
            }
        }
    }

    private int serve(CountDownLatch until) {
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
            until.await();
            return 0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 0;
        } catch (RuntimeException e) {
            err.println("simulator failed: " + e.getMessage());
            return 1;
        }
    }
}
