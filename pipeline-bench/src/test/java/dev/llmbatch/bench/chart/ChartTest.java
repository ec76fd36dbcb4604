package dev.llmbatch.bench.chart;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.Color;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChartTest {

    @Test
    void ticksAreRoundAndCoverTheRange() {
        assertThat(Chart.ticks(0, 11000, 6)).containsExactly(0, 2000, 4000, 6000, 8000, 10000, 12000);
        assertThat(Chart.ticks(0, 1, 4)).containsExactly(0, 0.25, 0.5, 0.75, 1.0);
        assertThat(Chart.ticks(0, 300, 10)).startsWith(0, 50, 100).endsWith(300);
    }

    @Test
    void numbersAreShort() {
        assertThat(Chart.fmt(1_234_567)).isEqualTo("1.23M");
        assertThat(Chart.fmt(45_000)).isEqualTo("45k");
        assertThat(Chart.fmt(7500)).isEqualTo("7500");
        assertThat(Chart.fmt(0.25)).isEqualTo("0.25");
        assertThat(Chart.fmt(3)).isEqualTo("3");
    }

    @Test
    void writesAPngHeadless(@TempDir Path dir) throws Exception {
        System.setProperty("java.awt.headless", "true");
        Chart c = new Chart("t", "x", "y").line("a", Color.BLUE, new double[] {0, 1, 2}, new double[] {1, 3, 2})
                .hline("quota", 2.5, Color.RED).shade("steady", 1, 2, new Color(230, 240, 255));
        Chart b = new Chart("bars", "run", "jobs/s").bars(List.of("a", "b"), new double[] {10, 5}, Color.BLUE);
        Path f = dir.resolve("c.png");
        Chart.writePng(f, 400, 300, List.of(c, b));
        assertThat(Files.size(f)).isPositive();
        assertThat(ImageIO.read(f.toFile()).getHeight()).isEqualTo(600);
    }
}
