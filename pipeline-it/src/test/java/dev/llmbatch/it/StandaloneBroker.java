package dev.llmbatch.it;

import static org.awaitility.Awaitility.await;

import dev.llmbatch.kafka.embedded.KafkaCommand;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code bin/pipeline kafka} as a user runs it: {@link KafkaCommand} in its own JVM (which starts the KRaft broker
 * process), ready once it prints {@code kafka ready at HOST:PORT}, stopped with SIGTERM. Topics are the user's
 * business here ({@code topics create}, or a worker with {@code kafka.create-topics}), so {@link #createTopics} is
 * not offered. Thread-safe as a {@link Process} is.
 */
final class StandaloneBroker implements Broker {
    private static final Pattern READY = Pattern.compile("kafka ready at (\\S+)");
    private final Process process;
    private final Path log;
    private final String bootstrap;

    private StandaloneBroker(Process process, Path log, String bootstrap) {
        this.process = process;
        this.log = log;
        this.bootstrap = bootstrap;
    }

    /** Starts {@code pipeline kafka --port FREE} with its output in {@code log}; returns once it is ready. */
    static StandaloneBroker start(Path log) {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx128m", "-cp", System.getProperty("java.class.path"), KafkaCommand.class.getName(),
                "--port", Integer.toString(port));
        pb.redirectErrorStream(true).redirectOutput(log.toFile());
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String[] address = new String[1];
        await("pipeline kafka prints 'kafka ready at'").atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(100))
                .until(() -> {
                    if (!p.isAlive()) {
                        throw new AssertionError("pipeline kafka exited with " + p.exitValue() + ":\n" + read(log));
                    }
                    Matcher m = READY.matcher(read(log));
                    address[0] = m.find() ? m.group(1) : null;
                    return address[0] != null;
                });
        return new StandaloneBroker(p, log, address[0]);
    }

    private static String read(Path file) throws IOException {
        return Files.readString(file, StandardCharsets.UTF_8);
    }

    @Override
    public String bootstrapServers() {
        return bootstrap;
    }

    @Override
    public void createTopics(Map<String, Integer> partitionsByTopic) {
        throw new UnsupportedOperationException("the standalone path creates its topics with 'topics create'");
    }

    @Override
    public String describe() {
        return "bin/pipeline kafka (KafkaCommand process " + process.pid() + ", log " + log + ") at " + bootstrap;
    }

    /** SIGTERM, as Ctrl-C would: the command stops its broker and deletes the temporary log directory. */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
