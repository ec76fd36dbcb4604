package dev.llmbatch.worker.admin;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.DoubleSupplier;

/**
 * The worker's counters and gauges, rendered in the Prometheus text format. Counters are keyed by name and a
 * pre-rendered label set. Thread-safe: any thread may increment; rendering takes a consistent-enough snapshot.
 */
public final class Metrics {
    private final Map<String, Map<String, LongAdder>> counters = new ConcurrentHashMap<>();
    private final Map<String, Map<String, DoubleSupplier>> gauges = new ConcurrentHashMap<>();
    private final Map<String, String> help = new ConcurrentHashMap<>();

    /** Adds {@code n} to a counter; {@code labels} are alternating names and values. */
    public void add(String name, long n, String... labels) {
        counters.computeIfAbsent(name, k -> new ConcurrentHashMap<>())
                .computeIfAbsent(labels(labels), k -> new LongAdder()).add(n);
    }

    public void inc(String name, String... labels) {
        add(name, 1, labels);
    }

    /** Registers a gauge read at render time. */
    public void gauge(String name, DoubleSupplier value, String... labels) {
        gauges.computeIfAbsent(name, k -> new ConcurrentHashMap<>()).put(labels(labels), value);
    }

    public void describe(String name, String text) {
        help.put(name, text);
    }

    /** Current value of a counter (0 if never incremented). */
    public long counter(String name, String... labels) {
        Map<String, LongAdder> m = counters.get(name);
        LongAdder a = m == null ? null : m.get(labels(labels));
        return a == null ? 0 : a.sum();
    }

    /** Current value of a gauge, or NaN if no such gauge is registered. */
    public double gaugeValue(String name, String... labels) {
        Map<String, DoubleSupplier> m = gauges.get(name);
        DoubleSupplier g = m == null ? null : m.get(labels(labels));
        return g == null ? Double.NaN : g.getAsDouble();
    }

    /** Sum of a counter over all label sets. */
    public long total(String name) {
        Map<String, LongAdder> m = counters.get(name);
        return m == null ? 0 : m.values().stream().mapToLong(LongAdder::sum).sum();
    }

    /** Snapshot of one counter family: label set -> value. */
    public Map<String, Long> family(String name) {
        Map<String, Long> out = new TreeMap<>();
        Map<String, LongAdder> m = counters.get(name);
        if (m != null) {
            m.forEach((k, v) -> out.put(k, v.sum()));
        }
        return out;
    }

    public String render() {
        StringBuilder sb = new StringBuilder(4096);
        new TreeMap<>(counters).forEach((name, series) -> {
            header(sb, name, "counter");
            new TreeMap<>(series).forEach((l, v) -> sb.append(name).append(l).append(' ').append(v.sum())
                    .append('\n'));
        });
        new TreeMap<>(gauges).forEach((name, series) -> {
            header(sb, name, "gauge");
            new TreeMap<>(series).forEach((l, v) -> sb.append(name).append(l).append(' ')
                    .append(v.getAsDouble()).append('\n'));
        });
        return sb.toString();
    }

    private void header(StringBuilder sb, String name, String type) {
        String h = help.get(name);
        if (h != null) {
            sb.append("# HELP ").append(name).append(' ').append(h).append('\n');
        }
        sb.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    private static String labels(String... kv) {
        if (kv.length == 0) {
            return "";
        }
        if (kv.length % 2 != 0) {
            throw new IllegalArgumentException("labels come in name/value pairs");
        }
        StringBuilder sb = new StringBuilder("{");
        for (int i = 0; i < kv.length; i += 2) {
            if (i > 0) {
                sb.append(',');
            }
            sb.append(kv[i]).append("=\"").append(kv[i + 1].replace("\\", "\\\\").replace("\"", "\\\""))
                    .append('"');
        }
        return sb.append('}').toString();
    }
}
