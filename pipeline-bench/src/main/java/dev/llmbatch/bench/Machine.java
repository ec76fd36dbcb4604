package dev.llmbatch.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** What the run was measured on. */
final class Machine {
    private Machine() {
    }

    static Map<String, String> describe() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("cpus (nproc)", Integer.toString(Runtime.getRuntime().availableProcessors()));
        m.put("cpu model", cpuModel().orElse("?"));
        m.put("memory", memTotal().orElse("?"));
        m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                + System.getProperty("os.arch"));
        m.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
        m.put("bench jvm max heap", Runtime.getRuntime().maxMemory() / (1 << 20) + " MB");
        m.put("load average at start", loadAvg().orElse("?"));
        return m;
    }

    private static Optional<String> cpuModel() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst();
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private static Optional<String> memTotal() {
        try {
            return Files.readAllLines(Path.of("/proc/meminfo")).stream().filter(l -> l.startsWith("MemTotal"))
                    .map(l -> {
                        long kb = Long.parseLong(l.replaceAll("\\D", ""));
                        return String.format("%.1f GB", kb / 1024.0 / 1024.0);
                    }).findFirst();
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    static Optional<String> loadAvg() {
        try {
            String[] p = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
            return Optional.of(p[0] + " " + p[1] + " " + p[2]);
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }
}
