package dev.llmbatch.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The region simulator in a JVM of its own ({@code dev.llmbatch.simulator.SimulatorCommand --config FILE}), so that
 * its CPU is accounted separately from the worker's. Endpoints are read from the lines it prints
 * ({@code region NAME URL deployments=...}).
 */
final class RemoteSimulator implements AutoCloseable {
    private final Process process;
    private final List<SimSetup.Endpoint> endpoints;

    private RemoteSimulator(Process process, List<SimSetup.Endpoint> endpoints) {
        this.process = process;
        this.endpoints = endpoints;
    }

    static RemoteSimulator start(String yaml, List<SimSetup.RegionSpec> regions, boolean unlimited, Path dir,
            List<String> jvmOptions, Duration timeout) throws Exception {
        Path cfg = Files.createTempFile(dir, "simulator-", ".yaml");
        Files.writeString(cfg, yaml);
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmOptions);
        cmd.add("-Dlogback.configurationFile=logback-bench.xml");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("dev.llmbatch.simulator.SimulatorCommand");
        cmd.add("--config");
        cmd.add(cfg.toAbsolutePath().toString());
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        CompletableFuture<List<SimSetup.Endpoint>> ready = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            List<SimSetup.Endpoint> eps = new ArrayList<>();
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    String[] f = line.split(" ");
                    if (f.length >= 3 && f[0].equals("region")) {
                        SimSetup.RegionSpec spec = regions.stream().filter(x -> x.name().equals(f[1])).findFirst()
                                .orElseThrow();
                        long tpm = unlimited ? SimSetup.UNLIMITED_TPM : spec.tpm();
                        long rpm = unlimited ? SimSetup.UNLIMITED_TPM : spec.rpm();
                        eps.add(new SimSetup.Endpoint(f[1], f[2], tpm, rpm));
                        if (eps.size() == regions.size()) {
                            ready.complete(List.copyOf(eps));
                        }
                    }
                }
                ready.completeExceptionally(new IllegalStateException("simulator exited before listening"));
            } catch (IOException e) {
                ready.completeExceptionally(e);
            }
        }, "bench-remote-sim-out");
        reader.setDaemon(true);
        reader.start();
        try {
            return new RemoteSimulator(p, ready.get(timeout.toMillis(), TimeUnit.MILLISECONDS));
        } catch (Exception e) {
            p.destroyForcibly();
            throw e;
        }
    }

    List<SimSetup.Endpoint> endpoints() {
        return endpoints;
    }

    ProcessHandle handle() {
        return process.toHandle();
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
