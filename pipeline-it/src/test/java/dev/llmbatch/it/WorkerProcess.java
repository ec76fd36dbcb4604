package dev.llmbatch.it;

import dev.llmbatch.simulator.Simulator;
import dev.llmbatch.worker.WorkerCommand;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Test fixture: a worker run as its own JVM through {@link WorkerCommand} (what {@code bin/pipeline worker} runs),
 * with its output in a log file, so that a test can SIGTERM it or kill -9 it like an operator or the OOM killer would.
 */
final class WorkerProcess implements AutoCloseable {
    private final Process process;
    private final Path log;

    private WorkerProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    /** Starts {@code bin/pipeline worker --config CONFIG} with {@code sim}'s API key in the environment. */
    static WorkerProcess start(Path config, Simulator sim, Path log) {
        return start(config, sim, log, java.util.Map.of());
    }

    /** As {@link #start(Path, Simulator, Path)} with more environment variables (e.g. a managed identity's). */
    static WorkerProcess start(Path config, Simulator sim, Path log, java.util.Map<String, String> env) {
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                WorkerCommand.class.getName(), "--config", config.toString());
        pb.environment().put(Cluster.KEY_ENV, sim.config().apiKeys().get(0));
        pb.environment().putAll(env);
        pb.redirectErrorStream(true).redirectOutput(log.toFile());
        try {
            return new WorkerProcess(pb.start(), log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A fresh directory for worker configs and logs under {@code target/worker-logs}, kept after the test so that a
     * failure can be read from the workers' own logs.
     */
    static Path logDir(String test) {
        try {
            return Files.createDirectories(Path.of("target", "worker-logs",
                    test + "-" + java.time.LocalDateTime.now().toString().replace(':', '-')));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** kill -9: no shutdown hook, no grace period, the open transaction is left behind. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            throw new AssertionError("worker pid " + process.pid() + " still alive 30 s after SIGKILL");
        }
    }

    /** SIGTERM; true if the process exited within {@code timeout}. */
    boolean terminate(Duration timeout) throws InterruptedException {
        process.destroy();
        return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Waits for the process to exit by itself; true if it did within {@code timeout}. */
    boolean awaitExit(Duration timeout) throws InterruptedException {
        return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** The exit code; only once the process has exited. */
    int exitValue() {
        return process.exitValue();
    }

    long pid() {
        return process.pid();
    }

    Path logFile() {
        return log;
    }

    String log() {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Kills the process if it is still alive (test cleanup). */
    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
