package dev.llmbatch.worker.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The Micrometer-backed registry renders the series the worker, the bench and `local` read, with HELP text. */
class MetricsTest {
    private final Metrics metrics = new Metrics();

    @Test
    void counter_keepsItsScrapedNameAndHelp() {
        metrics.describe("llm_calls_total", "Chat-completion calls, by region and outcome.");
        metrics.inc("llm_calls_total", "region", "eastus", "outcome", "200");
        metrics.add("llm_calls_total", 2, "region", "eastus", "outcome", "200");

        String text = metrics.render();

        assertThat(text).contains("# HELP llm_calls_total Chat-completion calls, by region and outcome.")
                .containsPattern("(?m)^llm_calls_total\\{outcome=\"200\",region=\"eastus\"} 3(\\.0)?$");
        assertThat(metrics.counter("llm_calls_total", "region", "eastus", "outcome", "200")).isEqualTo(3);
        assertThat(metrics.family("llm_calls_total")).as("label sets in call order, as the ITs read them")
                .containsOnly(java.util.Map.entry("{region=\"eastus\",outcome=\"200\"}", 3L));
        assertThat(metrics.total("llm_calls_total")).isEqualTo(3);
    }

    @Test
    void declare_registersZeroSoRatesWorkFromTheFirstScrape() {
        metrics.declare("llm_results_total", "status", "failed");
        metrics.inc("llm_results_total", "status", "succeeded");

        assertThat(metrics.render()).containsPattern("(?m)^llm_results_total\\{status=\"failed\"} 0(\\.0)?$");
        assertThat(metrics.values("llm_results_total")).containsEntry("failed", 0L).containsEntry("succeeded", 1L);
        assertThat(metrics.family("llm_results_total")).containsEntry("{status=\"failed\"}", 0L)
                .containsEntry("{status=\"succeeded\"}", 1L);
    }

    @Test
    void gauge_isReadAtScrapeTime() {
        double[] v = {1};
        metrics.describe("llm_region_room", "Free share of the tighter window.");
        metrics.gauge("llm_region_room", () -> v[0], "region", "eastus");
        v[0] = 0.25;

        assertThat(metrics.render()).contains("# HELP llm_region_room Free share of the tighter window.")
                .containsPattern("(?m)^llm_region_room\\{region=\"eastus\"} 0\\.25$");
        assertThat(metrics.gaugeValue("llm_region_room", "region", "eastus")).isEqualTo(0.25);
    }

    @Test
    void time_isAHistogramInSeconds() {
        metrics.time("llm_call_duration", Duration.ofMillis(150).toNanos(), "region", "eastus", "outcome", "200");

        assertThat(metrics.render()).contains("llm_call_duration_seconds_bucket{")
                .containsPattern("(?m)^llm_call_duration_seconds_count\\{outcome=\"200\",region=\"eastus\"} 1$")
                .containsPattern("(?m)^llm_call_duration_seconds_sum\\{outcome=\"200\",region=\"eastus\"} 0\\.15$");
    }

    @Test
    void jvmAndProcessBinders_areThere() {
        assertThat(metrics.render()).contains("jvm_memory_used_bytes").contains("jvm_gc_")
                .contains("process_cpu_usage").contains("jvm_threads_live_threads");
    }
}
