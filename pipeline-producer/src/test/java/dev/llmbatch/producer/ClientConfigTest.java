package dev.llmbatch.producer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClientConfigTest {
    @TempDir
    Path dir;

    @Test
    void load_propertiesFile_everySettingAsWritten() throws Exception {
        Path f = Files.writeString(dir.resolve("c.properties"), """
                security.protocol=SASL_SSL
                sasl.mechanism=PLAIN
                config.providers=env
                config.providers.env.class=org.apache.kafka.common.config.provider.EnvVarConfigProvider
                sasl.jaas.config=${env:KAFKA_JAAS}
                """);

        assertThat(ClientConfig.load(f)).containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("sasl.jaas.config", "${env:KAFKA_JAAS}").hasSize(5);
        assertThat(ClientConfig.load(null)).isEmpty();
    }

    @Test
    void load_missingFile_namesTheOption() {
        assertThatThrownBy(() -> ClientConfig.load(dir.resolve("none.properties")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("--command-config: cannot read");
    }

    @Test
    void load_serializer_isRefused() throws Exception {
        Path f = Files.writeString(dir.resolve("c.properties"), "value.serializer=x.Y\n");
        assertThatThrownBy(() -> ClientConfig.load(f)).hasMessageContaining("sets value.serializer");
    }

    @Test
    void refused_authenticationFailure_namesTheSettingsNotTheirValues() {
        Path f = dir.resolve("c.properties");
        String line = ClientConfig.refused(new KafkaException("wrapped",
                new SaslAuthenticationException("Authentication failed: Invalid username or password")), f);

        assertThat(line).contains("refused the client's credentials").contains("Invalid username or password")
                .contains("sasl.jaas.config, sasl.mechanism and security.protocol in --command-config " + f);
        assertThat(ClientConfig.refused(new KafkaException("timeout"), f)).isNull();
    }

    @Test
    void status_unreadableCommandConfig_exit2() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int code = StatusCommand.run(new String[] {"--command-config", dir.resolve("none").toString()},
                new PrintStream(bytes, true, StandardCharsets.UTF_8));

        assertThat(code).isEqualTo(2);
        assertThat(bytes.toString(StandardCharsets.UTF_8)).contains("--command-config: cannot read");
    }
}
