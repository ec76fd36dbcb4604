package dev.llmbatch.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** CPU time of this JVM's threads grouped by name prefix, between two snapshots. */
final class ThreadCpu {
    private static final ThreadMXBean MX = ManagementFactory.getThreadMXBean();
    private final Map<Long, Long> start = new HashMap<>();

    ThreadCpu() {
        for (long id : MX.getAllThreadIds()) {
            start.put(id, MX.getThreadCpuTime(id));
        }
    }

    /** Seconds of CPU since construction per prefix (threads started meanwhile count from 0). */
    Map<String, Double> since(List<String> prefixes) {
        Map<String, Double> out = new LinkedHashMap<>();
        prefixes.forEach(p -> out.put(p, 0.0));
        for (long id : MX.getAllThreadIds()) {
            ThreadInfo info = MX.getThreadInfo(id);
            long now = MX.getThreadCpuTime(id);
            if (info == null || now < 0) {
                continue;
            }
            for (String p : prefixes) {
                if (info.getThreadName().startsWith(p)) {
                    out.merge(p, (now - start.getOrDefault(id, 0L)) / 1e9, Double::sum);
                    break;
                }
            }
        }
        return out;
    }
}
