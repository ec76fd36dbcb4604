package dev.llmbatch.it;

import ch.qos.logback.classic.Level;
import java.util.Locale;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;

/**
 * Which Kafka broker the integration tests run on: Testcontainers' {@code apache/kafka} container where a Docker
 * engine answers, the embedded KRaft broker (its own JVM process, from Maven Central's kafka_2.13) otherwise.
 *
 * <p>{@code -Dit.kafka=testcontainers|embedded|auto} (default {@code auto}) forces one. A test that stops, kills or
 * restarts the broker always gets the embedded one: it needs a process this JVM owns, on fixed ports, with its log
 * directory kept across the restart.
 *
 * <p>{@link #choose} is a pure function of the property, the Docker probe and the test's needs (the probe is only
 * asked when the choice depends on it); {@link #forThisJvm} runs Testcontainers' own detection, with its loggers
 * silenced meanwhile, so that a machine without Docker gets one info line instead of its error report. Stateless.
 */
final class BrokerChoice {
    static final String PROPERTY = "it.kafka";
    private static final Logger log = LoggerFactory.getLogger(BrokerChoice.class);

    enum Kind {
        EMBEDDED, TESTCONTAINERS
    }

    /** The broker to start and why, in words for the IT log. */
    record Decision(Kind kind, String reason) {
    }

    private BrokerChoice() {
    }

    /**
     * @param property            the value of {@code -Dit.kafka} (null when unset)
     * @param dockerAvailable     Docker probe; called at most once, and only when the property leaves the choice open
     * @param needsBrokerRestarts whether the test stops, kills or restarts the broker process
     * @throws IllegalArgumentException for a property value other than testcontainers, embedded or auto
     */
    static Decision choose(String property, BooleanSupplier dockerAvailable, boolean needsBrokerRestarts) {
        String p = property == null ? "auto" : property.trim().toLowerCase(Locale.ROOT);
        if (!p.equals("auto") && !p.isEmpty() && !p.equals("testcontainers") && !p.equals("embedded")) {
            throw new IllegalArgumentException("-D" + PROPERTY + " must be testcontainers, embedded or auto, was '"
                    + property + "'");
        }
        if (needsBrokerRestarts) {
            return new Decision(Kind.EMBEDDED, "the test stops or restarts the broker process");
        }
        if (p.equals("embedded")) {
            return new Decision(Kind.EMBEDDED, "-D" + PROPERTY + "=embedded");
        }
        if (p.equals("testcontainers")) {
            return new Decision(Kind.TESTCONTAINERS, "-D" + PROPERTY + "=testcontainers");
        }
        return dockerAvailable.getAsBoolean()
                ? new Decision(Kind.TESTCONTAINERS, "a Docker engine is available")
                : new Decision(Kind.EMBEDDED, "no Docker engine found (-D" + PROPERTY + "=testcontainers forces "
                        + "the container)");
    }

    /** The choice for this JVM's system property and Docker engine. */
    static Decision forThisJvm(boolean needsBrokerRestarts) {
        return choose(System.getProperty(PROPERTY), BrokerChoice::dockerAvailable, needsBrokerRestarts);
    }

    /**
     * Testcontainers' own detection (environment, socket, Docker Desktop, rootless ...). On a machine without Docker
     * it logs an ERROR report of every strategy it tried; that is expected here, so its loggers are off meanwhile.
     */
    static boolean dockerAvailable() {
        ch.qos.logback.classic.Logger tc =
                (ch.qos.logback.classic.Logger) LoggerFactory.getLogger("org.testcontainers");
        Level before = tc.getLevel();
        tc.setLevel(Level.OFF);
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException | LinkageError e) {
            log.debug("Docker probe failed", e);
            return false;
        } finally {
            tc.setLevel(before);
        }
    }
}
