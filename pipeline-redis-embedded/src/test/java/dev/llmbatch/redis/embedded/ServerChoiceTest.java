package dev.llmbatch.redis.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServerChoiceTest {
  private static final String LINUX_AMD64 = "redis-server-6.2.6-v5-linux-amd64";

  @TempDir Path tmp;

  @Test
  void select_redisUrlSet_choosesItOverPath() throws IOException {
    Path bin = fakeRedisServer(tmp.resolve("bin"));

    ServerChoice choice = ServerChoice.select(
        Map.of("REDIS_URL", " redis://cache:6380/2 ", "PATH", bin.getParent().toString()), "Linux", "amd64");

    assertThat(choice).isEqualTo(new ServerChoice.External(URI.create("redis://cache:6380/2")));
  }

  @Test
  void select_blankRedisUrl_isIgnored() throws IOException {
    Path bin = fakeRedisServer(tmp.resolve("bin"));

    ServerChoice choice = ServerChoice.select(Map.of("REDIS_URL", "  ", "PATH", bin.getParent().toString()),
        "Linux", "amd64");

    assertThat(choice).isEqualTo(new ServerChoice.OnPath(bin.toAbsolutePath()));
  }

  @Test
  void select_pathHasRedisServer_choosesFirstExecutableOne() throws IOException {
    Path notExecutable = Files.createDirectories(tmp.resolve("a")).resolve("redis-server");
    Files.writeString(notExecutable, "not a program");
    Path bin = fakeRedisServer(tmp.resolve("b"));
    String path = String.join(File.pathSeparator, tmp.resolve("missing").toString(), "",
        notExecutable.getParent().toString(), bin.getParent().toString());

    assertThat(ServerChoice.select(Map.of("PATH", path), "Linux", "amd64"))
        .isEqualTo(new ServerChoice.OnPath(bin.toAbsolutePath()));
  }

  @Test
  void select_pathWithoutRedisServer_choosesBundledLinuxAmd64Binary() throws IOException {
    Path empty = Files.createDirectories(tmp.resolve("empty"));

    assertThat(ServerChoice.select(Map.of("PATH", empty.toString()), "Linux", "x86_64"))
        .isEqualTo(new ServerChoice.Bundled(LINUX_AMD64));
    assertThat(ServerChoice.select(Map.of(), "Linux", "amd64")).isEqualTo(new ServerChoice.Bundled(LINUX_AMD64));
  }

  @Test
  void select_noServerAnywhere_failsNamingTheWaysOut() {
    assertThatThrownBy(() -> ServerChoice.select(Map.of("PATH", tmp.toString()), "Windows 11", "amd64"))
        .isInstanceOf(EmbeddedRedisException.class)
        .hasMessageContaining("REDIS_URL")
        .hasMessageContaining("PATH")
        .hasMessageContaining("com.github.codemonstur:embedded-redis:1.4.3")
        .hasMessageContaining("os.name=Windows 11");
  }

  @Test
  void select_malformedRedisUrl_failsWithoutEchoingThePassword() {
    assertThatThrownBy(() -> ServerChoice.select(Map.of("REDIS_URL", "http://:s3cret@cache:6379"), "Linux", "amd64"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("REDIS_URL must look like redis://")
        .hasMessageNotContaining("s3cret");
  }

  @Test
  void bundledResource_eachSupportedPlatform_namesTheArtifactsBinary() {
    assertThat(ServerChoice.bundledResource("Linux", "amd64")).contains(LINUX_AMD64);
    assertThat(ServerChoice.bundledResource("Linux", "aarch64")).contains("redis-server-6.2.7-linux-arm64");
    assertThat(ServerChoice.bundledResource("Linux", "i386")).contains("redis-server-6.2.7-linux-386");
    assertThat(ServerChoice.bundledResource("Mac OS X", "aarch64")).contains("redis-server-6.2.6-v5-darwin-arm64");
    assertThat(ServerChoice.bundledResource("Linux", "riscv64")).isEmpty();
    assertThat(ServerChoice.bundledResource("Windows 11", "amd64")).isEmpty();
  }

  @Test
  void bundledResource_everyNamedBinary_isOnTheClassPath() {
    for (String[] platform : new String[][] {{"Linux", "amd64"}, {"Linux", "aarch64"}, {"Linux", "x86"},
        {"Mac OS X", "x86_64"}, {"Mac OS X", "aarch64"}}) {
      String resource = ServerChoice.bundledResource(platform[0], platform[1]).orElseThrow();
      assertThat(getClass().getClassLoader().getResource(resource)).as(resource).isNotNull();
    }
  }

  private static Path fakeRedisServer(Path dir) throws IOException {
    Path bin = Files.createDirectories(dir).resolve("redis-server");
    Files.writeString(bin, "#!/bin/sh\nexit 0\n");
    assertThat(bin.toFile().setExecutable(true)).isTrue();
    return bin;
  }
}
