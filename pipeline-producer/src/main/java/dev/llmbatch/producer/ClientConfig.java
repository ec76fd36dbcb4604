package dev.llmbatch.producer;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.common.errors.AuthenticationException;

/**
 * Kafka client settings read from a {@code --command-config FILE}, the Kafka CLI's convention: a Java properties
 * file such as {@code security.protocol=SASL_SSL}, {@code sasl.mechanism=PLAIN}, {@code sasl.jaas.config=...}. The
 * settings are passed to every client a command opens; a secret can stay out of the file through Kafka's own
 * {@code config.providers} (e.g. {@code ${env:EVENTHUBS_CONNECTION_STRING}}), which the clients resolve. Values are
 * never printed. Stateless.
 */
public final class ClientConfig {
    /** Settings a command decides itself; the file may not override them. */
    private static final Set<String> OWN = Set.of("bootstrap.servers", "key.serializer", "value.serializer",
            "key.deserializer", "value.deserializer");

    private ClientConfig() {
    }

    /**
     * The settings in {@code file}, or none when it is null.
     *
     * @throws IllegalArgumentException naming {@code --command-config} when the file cannot be read or sets what a
     *                                  command sets itself
     */
    public static Map<String, Object> load(Path file) {
        if (file == null) {
            return Map.of();
        }
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(r);
        } catch (IOException e) {
            throw new IllegalArgumentException("--command-config: cannot read " + file + " ("
                    + e.getClass().getSimpleName() + ")");
        }
        Map<String, Object> out = new LinkedHashMap<>();
        for (String k : p.stringPropertyNames()) {
            if (OWN.contains(k)) {
                throw new IllegalArgumentException("--command-config: " + file + " sets " + k
                        + ", which the command sets itself" + (k.equals("bootstrap.servers")
                        ? " (use --bootstrap-server)" : ""));
            }
            out.put(k, p.getProperty(k));
        }
        return Collections.unmodifiableMap(out);
    }

    /**
     * One line for a broker that refused the credentials: names the settings to check, never their values.
     *
     * @return null when {@code e} is not an authentication failure
     */
    static String refused(Throwable e, Path commandConfig) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof AuthenticationException) {
                return "the broker refused the client's credentials (" + t.getMessage() + "); check "
                        + (commandConfig == null ? "--command-config (none was given)"
                        : "sasl.jaas.config, sasl.mechanism and security.protocol in --command-config "
                        + commandConfig);
            }
        }
        return null;
    }
}
