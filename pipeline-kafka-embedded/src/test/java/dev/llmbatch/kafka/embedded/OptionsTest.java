package dev.llmbatch.kafka.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OptionsTest {

  @Test
  void defaults_noSettings_freePortsTempDirAndThisJvm() {
    EmbeddedKafka.Options options = EmbeddedKafka.Options.defaults();

    assertThat(options.port()).isZero();
    assertThat(options.controllerPort()).isZero();
    assertThat(options.logDir()).isEmpty();
    assertThat(options.heap()).isEqualTo("-Xmx512m");
    assertThat(options.partitions()).isEqualTo(1);
    assertThat(options.brokerProperties()).isEmpty();
    assertThat(options.startupTimeout()).isEqualTo(Duration.ofSeconds(90));
    assertThat(options.javaExecutable()).startsWith(Path.of(System.getProperty("java.home")));
    assertThat(options.classpath()).isEqualTo(System.getProperty("java.class.path"));
  }

  @Test
  void toBuilder_changedCopy_leavesOriginalUntouched() {
    EmbeddedKafka.Options original = EmbeddedKafka.Options.builder().brokerProperty("a", "1").build();
    EmbeddedKafka.Options copy = original.toBuilder().brokerProperty("b", "2").port(9999).build();

    assertThat(original.brokerProperties()).containsOnlyKeys("a");
    assertThat(original.port()).isZero();
    assertThat(copy.brokerProperties()).containsOnlyKeys("a", "b");
    assertThat(copy.port()).isEqualTo(9999);
    assertThatThrownBy(() -> copy.brokerProperties().put("c", "3")).isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void build_invalidValues_messageNamesTheOption() {
    assertThatThrownBy(() -> EmbeddedKafka.Options.builder().port(70_000).build()).hasMessageContaining("port");
    assertThatThrownBy(() -> EmbeddedKafka.Options.builder().controllerPort(-1).build())
        .hasMessageContaining("controllerPort");
    assertThatThrownBy(() -> EmbeddedKafka.Options.builder().port(9092).controllerPort(9092).build())
        .hasMessageContaining("must differ");
    assertThatThrownBy(() -> EmbeddedKafka.Options.builder().partitions(0).build()).hasMessageContaining("partitions");
    assertThatThrownBy(() -> EmbeddedKafka.Options.builder().heap("512m").build()).hasMessageContaining("heap");
    assertThatThrownBy(() -> EmbeddedKafka.Options.builder().startupTimeout(Duration.ZERO).build())
        .hasMessageContaining("startupTimeout");
    assertThatThrownBy(() -> EmbeddedKafka.Options.builder().classpath(" ").build())
        .hasMessageContaining("classpath");
    assertThatThrownBy(() -> EmbeddedKafka.Options.builder().brokerProperties(Map.of(" ", "x")).build())
        .hasMessageContaining("brokerProperties");
  }

  @Test
  void childClasspath_withoutThisModule_appendsItsLocation() {
    String cp = EmbeddedKafka.childClasspath("/nowhere/kafka.jar");

    assertThat(cp).startsWith("/nowhere/kafka.jar" + java.io.File.pathSeparator);
    assertThat(EmbeddedKafka.childClasspath(cp)).isEqualTo(cp);
  }
}
