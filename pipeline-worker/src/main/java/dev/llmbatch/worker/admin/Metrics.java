package dev.llmbatch.worker.admin;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.cache.CaffeineCacheMetrics;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.DoubleSupplier;

/**
 * The worker's metrics, kept in a Micrometer {@link PrometheusMeterRegistry} and scraped at {@code /metrics}: the
 * pipeline's counters, gauges and latency histograms, plus the JVM, GC, thread, class-loading, CPU, uptime and
 * file-descriptor binders. Callers name series in Prometheus terms ({@code llm_calls_total}, {@code llm_region_room});
 * counters are registered without their {@code _total} suffix, which the Prometheus format adds back, so the names
 * scraped stay what they were. Every series gets its {@link #describe HELP} text when it is described before its first
 * use. Thread-safe.
 */
public final class Metrics {
    /** Latency histograms' bucket bounds: 1 ms to 10 min, enough for a call, a job and a result's visibility. */
    private static final Duration MIN_EXPECTED = Duration.ofMillis(1);
    private static final Duration MAX_EXPECTED = Duration.ofMinutes(10);

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Map<String, String> help = new ConcurrentHashMap<>();
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();
    private final Map<String, Timer> timers = new ConcurrentHashMap<>();
    private final Set<KafkaClientMetrics> binders = ConcurrentHashMap.newKeySet();

    public Metrics() {
        new JvmMemoryMetrics().bindTo(registry);
        new JvmGcMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
    }

    /** The registry, for Micrometer binders (Kafka clients, caches). */
    public MeterRegistry registry() {
        return registry;
    }

    /**
     * Binds a Kafka client's metrics (Micrometer's {@link KafkaClientMetrics}: {@code kafka_consumer_*},
     * {@code kafka_producer_*}) and returns the handle that removes them again; close it when the client is closed or
     * replaced (a new client with the same client.id would otherwise find the old one's meters). Whatever is still
     * bound when this registry is {@link #close closed} is closed then.
     */
    public AutoCloseable kafkaClient(KafkaClientMetrics binder) {
        binder.bindTo(registry);
        binders.add(binder);
        return () -> {
            if (binders.remove(binder)) {
                binder.close();
            }
        };
    }

    /**
     * Binds a Caffeine cache's statistics ({@code cache_gets_total{cache=name,result=hit|miss}}, evictions, size);
     * the cache must be built with {@code recordStats()} for hits and misses to be counted.
     */
    public void cache(com.github.benmanes.caffeine.cache.Cache<?, ?> cache, String name) {
        CaffeineCacheMetrics.monitor(registry, cache, name);
    }

    /** Stops the Kafka client binders' refresh threads and removes their meters. */
    public void close() {
        for (KafkaClientMetrics b : binders) {
            if (binders.remove(b)) {
                b.close();
            }
        }
    }

    /** Adds {@code n} to a counter; {@code labels} are alternating names and values. */
    public void add(String name, long n, String... labels) {
        meter(name, labels).increment(n);
    }

    public void inc(String name, String... labels) {
        add(name, 1, labels);
    }

    /** Registers a counter at zero, so that rates work from the first scrape. */
    public void declare(String name, String... labels) {
        meter(name, labels);
    }

    private Counter meter(String name, String... labels) {
        return counters.computeIfAbsent(key(name, labels), k -> Counter.builder(base(name)).description(help(name))
                .tags(labels).register(registry));
    }

    /** Registers a gauge read at scrape time. */
    public void gauge(String name, DoubleSupplier value, String... labels) {
        Gauge.builder(name, value::getAsDouble).description(help(name)).tags(labels).strongReference(true)
                .register(registry);
    }

    /**
     * Records one duration in a histogram ({@code name} without unit: Prometheus gets {@code name_seconds_bucket},
     * {@code _count} and {@code _sum}).
     */
    public void time(String name, long nanos, String... labels) {
        timers.computeIfAbsent(key(name, labels), k -> Timer.builder(name).description(help(name)).tags(labels)
                .publishPercentileHistogram().minimumExpectedValue(MIN_EXPECTED).maximumExpectedValue(MAX_EXPECTED)
                .register(registry)).record(Math.max(0, nanos), TimeUnit.NANOSECONDS);
    }

    /** The HELP text of a series; describe it before its first use. */
    public void describe(String name, String text) {
        help.put(name, text);
    }

    /**
     * The names given HELP text so far, as callers name them (counters with {@code _total}, histograms without their
     * unit): the series the worker can expose, including label sets not seen yet.
     */
    public Set<String> described() {
        return Set.copyOf(help.keySet());
    }

    /** Current value of a counter (0 if never incremented). */
    public long counter(String name, String... labels) {
        Counter c = registry.find(base(name)).tags(labels).counter();
        return c == null ? 0 : (long) c.count();
    }

    /** Current value of a gauge, or NaN if no such gauge is registered. */
    public double gaugeValue(String name, String... labels) {
        Gauge g = registry.find(name).tags(labels).gauge();
        return g == null ? Double.NaN : g.value();
    }

    /** Sum of a counter over all label sets. */
    public long total(String name) {
        return (long) registry.find(base(name)).counters().stream().mapToDouble(Counter::count).sum();
    }

    /** One counter family: label set as rendered before Micrometer ({@code {a="b",c="d"}}, in call order) -> value. */
    public Map<String, Long> family(String name) {
        Map<String, Long> out = new TreeMap<>();
        String prefix = name + '\u0000';
        counters.forEach((k, c) -> {
            if (k.equals(name) || k.startsWith(prefix)) {
                out.merge(labelSet(k.equals(name) ? new String[0] : k.substring(prefix.length()).split("\u0000", -1)),
                        (long) c.count(), Long::sum);
            }
        });
        return out;
    }

    /** One counter family keyed by its label values (joined by ',' when several), for plain JSON. */
    public Map<String, Long> values(String name) {
        Map<String, Long> out = new TreeMap<>();
        for (Counter c : registry.find(base(name)).counters()) {
            out.merge(String.join(",", c.getId().getTags().stream().map(Tag::getValue).toList()), (long) c.count(),
                    Long::sum);
        }
        return out;
    }

    /** One counter family as (labels -> value) pairs, labels by name; for plain JSON with several labels. */
    public List<Map.Entry<Map<String, String>, Long>> byLabels(String name) {
        List<Map.Entry<Map<String, String>, Long>> out = new ArrayList<>();
        for (Counter c : registry.find(base(name)).counters()) {
            Map<String, String> labels = new TreeMap<>();
            c.getId().getTags().forEach(t -> labels.put(t.getKey(), t.getValue()));
            out.add(Map.entry(labels, (long) c.count()));
        }
        return out;
    }

    private static String labelSet(String[] kv) {
        if (kv.length < 2) {
            return "";
        }
        StringBuilder sb = new StringBuilder("{");
        for (int i = 0; i + 1 < kv.length; i += 2) {
            if (i > 0) {
                sb.append(',');
            }
            sb.append(kv[i]).append("=\"").append(kv[i + 1].replace("\\", "\\\\").replace("\"", "\\\""))
                    .append('"');
        }
        return sb.append('}').toString();
    }

    /** The Prometheus text exposition of every meter. */
    public String render() {
        return registry.scrape();
    }

    private String help(String name) {
        String h = help.get(name);
        return h != null ? h : help.get(base(name));
    }

    /** A counter's name without the {@code _total} the Prometheus format adds. */
    private static String base(String name) {
        return name.endsWith("_total") ? name.substring(0, name.length() - "_total".length()) : name;
    }

    private static String key(String name, String... labels) {
        if (labels.length % 2 != 0) {
            throw new IllegalArgumentException("labels come in name/value pairs");
        }
        return labels.length == 0 ? name : name + '\u0000' + String.join("\u0000", labels);
    }
}
