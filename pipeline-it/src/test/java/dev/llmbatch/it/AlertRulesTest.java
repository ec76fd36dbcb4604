package dev.llmbatch.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The alert rules and the Prometheus configuration are checked by Prometheus's own tool: {@code promtool check
 * rules}, {@code promtool check config}, and {@code promtool test rules} on deploy/prometheus/alerts-test.yml, whose
 * series make each alert fire and keep it silent. promtool is required (Debian's {@code prometheus} package; .ci/run
 * installs it): without it this test fails, it does not skip.
 */
class AlertRulesTest {
    private static final Path DIR = Path.of("..", "deploy", "prometheus");

    @Test
    void alertRules_passPromtoolCheck() throws Exception {
        assertThat(promtool("check", "rules", "alerts.yml")).contains("SUCCESS: 6 rules found");
    }

    @Test
    void prometheusConfig_passesPromtoolCheck_withTheRules() throws Exception {
        assertThat(promtool("check", "config", "prometheus.yml")).contains("valid prometheus config file syntax");
    }

    @Test
    void alertRules_firingAndSilentSeries_passPromtoolTest() throws Exception {
        assertThat(promtool("test", "rules", "alerts-test.yml")).contains("SUCCESS");
    }

    @Test
    void alertRulesTest_coversEveryAlert() throws Exception {
        String rules = Files.readString(DIR.resolve("alerts.yml"));
        String tests = Files.readString(DIR.resolve("alerts-test.yml"));
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^\\s*- alert: (\\S+)").matcher(rules);
        List<String> alerts = new ArrayList<>();
        while (m.find()) {
            alerts.add(m.group(1));
        }
        assertThat(alerts).hasSize(6);
        for (String a : alerts) {
            // each alert is evaluated at least twice: once silent (exp_alerts: []) and once firing
            assertThat(tests.split("alertname: " + a + "\n", -1).length - 1).as(a + " evaluations")
                    .isGreaterThanOrEqualTo(2);
        }
    }

    private static String promtool(String... args) throws Exception {
        String binary = onPath("promtool");
        List<String> cmd = new ArrayList<>();
        cmd.add(binary);
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(DIR.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("promtool %s:%n%s", String.join(" ", args), out).isZero();
        return out;
    }

    private static String onPath(String command) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, command))) {
                return Path.of(dir, command).toString();
            }
        }
        throw new AssertionError("promtool is needed to check the alert rules and is not on the PATH: install "
                + "Debian's prometheus package (apt-get install -y prometheus; .ci/run does)");
    }
}
