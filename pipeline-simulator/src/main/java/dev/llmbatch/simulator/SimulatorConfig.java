package dev.llmbatch.simulator;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The simulator's whole configuration: global settings and the regions with their deployments. Immutable and
 * thread-safe; validated when built, with a {@link SimulatorConfigException} whose message names the key path
 * (e.g. {@code regions[1].deployments[0].tpm must be > 0}). Unknown keys and values of the wrong type fail too.
 * A complete commented sample is {@code simulator-example.yaml} on the classpath.
 *
 * <h2>Keys (default)</h2>
 * <pre>
 * time-scale           (1)            simulated seconds per wall second, &gt; 0. 60 = a quota minute in 1 s. Windows,
 *                                     retry-after values, fault windows and latency are all in simulated time.
 * seed                 (42)           randomness is seeded per region with seed ^ regionName.hashCode()
 * host                 (127.0.0.1)    bind address
 * api-keys             ([sim-key])    accepted as "api-key: K" or "Authorization: Bearer K"; else 401 (a region's own
 *                                     api-keys replace them for its chat calls; /sim/ endpoints take these)
 * tokens:                             Entra ID-style bearer tokens, issued by GET or POST /sim/token on any region's
 *                                     port (the App Service managed-identity protocol: header X-IDENTITY-HEADER,
 *                                     answer {access_token, expires_on, expires_in, resource, token_type}) and
 *                                     accepted by every region as "Authorization: Bearer T" until they expire (then
 *                                     401 with Azure's body); see {@link TokenSettings}
 *   lifetime-s         (3600)         wall seconds a token is valid (not scaled by time-scale: tokens are wall time)
 *   identity-header    (sim-identity) the X-IDENTITY-HEADER value the token endpoint requires (IDENTITY_HEADER)
 * api-versions-accept  ("\d{4}-\d{2}-\d{2}(-preview)?")  regex the classic route's api-version must match, else 404
 * regions              (required)     list, at least one:
 *   name               (required)     e.g. swedencentral
 *   port               (0)            0 = a free port
 *   display-name       (= name)       sent as x-ms-region
 *   api-keys           (the global ones)  keys this region accepts on chat calls, e.g. a key nobody has, so that the
 *                                     region answers every key with 401; {@link Simulator#setApiKeys} switches them
 *   latency:                          see {@link LatencyConfig}
 *     rtt-ms (20)  ttft-ms (600)  prefill-ms-per-1k (50)  tps (80)  ttft-sigma (0.35)  tps-sigma (0.3)
 *     load-alpha (0.5)  multiplier (1.0)  p-slow (0.0)
 *     tail-sigma (0.0)                whole call times LogNormal(0, tail-sigma): heavier tail, same median
 *     stall-probability (0.0)  stall-ms (30000)   a stall: the answer comes stall-ms later (seeded draw per call)
 *   faults             ([])           windows {from-s (0), to-s (.inf), p-500, p-503, p-408, p-hang, p-reset (0 each),
 *                                     latency-multiplier (1)}; simulated seconds since start, first match applies
 *   deployments        (required)     list, at least one:
 *     name             (required)
 *     model            (= name)       underlying model id reported in responses
 *     encoding         (o200k_base)   jtokkit encoding for prompt tokens
 *     tpm              (450000)       &gt; 0
 *     rpm              (6 per 1000 TPM, rounded up)   &gt; 0
 *     estimator        (chars)        admission cost, see {@link dev.llmbatch.simulator.quota.CostEstimator}:
 *                                     chars (alias gpt4o): ceil(content code points/4) + 1 + max_tokens*n;
 *                                     gpt35: max_tokens*n; tokenizer: usage's prompt_tokens (chat-formatted, with
 *                                     the overhead, in the deployment's encoding) + max_tokens*n
 *     default-max-tokens (640)        reservation when the request has no max_tokens
 *     context-window   (128000)       prompt tokens + max_tokens allowed, else 400 context_length_exceeded
 *     content-filter-pattern (null)   regex; any message content matching it -&gt; 400 content_filter
 *     output-filter-pattern  (null)   regex on the reply; -&gt; 200, finish_reason content_filter, empty content
 *     retry-after-ms-header  (true)   send retry-after-ms on 429 (header-profile full)
 *     body-style       (legacy)       legacy | short | rate-limit-reached
 *     header-profile   (full)         full | no-retry-after | none
 *     shedding-rate    (0.0)          probability of a capacity-shedding 429 (not charged)
 *     shedding-retry-after-s (20)     retry-after of a shedding 429
 *     request-window-1s (false)       also a 1 s window of ceil(RPM/60)
 *     reject-oversize  (true)         cost &gt; TPM -&gt; 429 with retry-after 60 s; false: admitted when the window is empty
 *     batch-faults:                   corrupt 200 replies to packed requests (prompt-packing protocol), see
 *                                     {@link BatchFaults}; each in [0, 1]; {@link Simulator#setBatchFaults} overrides:
 *       p-drop         (0)            per item: its entry is left out
 *       p-duplicate    (0)            per item: its entry appears twice, the second copy with a different output
 *       p-reorder      (0)            per reply: entries shuffled out of index order (harmless to a correct client)
 *       p-corrupt      (0)            per item: entry malformed (output a number or null, or i a string)
 *       p-invalid-json (0)            per reply: content cut in half, not parseable
 *     packing          (follow)       follow | ignore: a model that ignores the packing reply schema answers a packed
 *                                     request as plain text that never parses (every item fails; charged as usual),
 *                                     see {@link PackingMode}; {@link Simulator#setPacking} overrides
 * </pre>
 *
 * <p>A packed request is answered with {@link FakeModel#packedReply} (each item exactly as a single request would
 * be answered); it is admitted, charged, delayed, faulted and content-filtered like any other request, and counted
 * in {@link DeploymentStats#packedRequests()} and {@link DeploymentStats#packedItems()}.
 *
 * @param timeScale simulated seconds per wall second
 * @param seed base seed for all randomness
 * @param host bind address
 * @param apiKeys accepted keys (never logged; {@link #toString()} masks them)
 * @param apiVersionsAccept regex for the classic route's api-version
 * @param regions the regions, unique names
 * @param tokens the bearer tokens the simulator issues
 */
public record SimulatorConfig(double timeScale, long seed, String host, List<String> apiKeys,
                              String apiVersionsAccept, List<RegionConfig> regions, TokenSettings tokens) {

    /** A config with default {@link TokenSettings}. */
    public SimulatorConfig(double timeScale, long seed, String host, List<String> apiKeys, String apiVersionsAccept,
                           List<RegionConfig> regions) {
        this(timeScale, seed, host, apiKeys, apiVersionsAccept, regions, TokenSettings.DEFAULTS);
    }

    /** Validates every value; messages name the YAML key. */
    public SimulatorConfig {
        if (!(timeScale > 0) || Double.isInfinite(timeScale)) {
            throw new SimulatorConfigException("time-scale", "must be > 0, got " + timeScale);
        }
        if (host == null || host.isBlank()) {
            throw new SimulatorConfigException("host", "must not be empty");
        }
        apiKeys = List.copyOf(apiKeys);
        if (apiKeys.isEmpty()) {
            throw new SimulatorConfigException("api-keys", "must list at least one key");
        }
        for (int i = 0; i < apiKeys.size(); i++) {
            if (apiKeys.get(i).isBlank()) {
                throw new SimulatorConfigException("api-keys[" + i + "]", "must not be blank");
            }
        }
        if (apiVersionsAccept == null) {
            throw new SimulatorConfigException("api-versions-accept", "must not be null");
        }
        DeploymentConfig.regex("api-versions-accept", apiVersionsAccept);
        java.util.Objects.requireNonNull(tokens, "tokens");
        regions = List.copyOf(regions);
        if (regions.isEmpty()) {
            throw new SimulatorConfigException("regions", "must list at least one region");
        }
        Set<String> names = new HashSet<>();
        Set<Integer> ports = new HashSet<>();
        for (int i = 0; i < regions.size(); i++) {
            RegionConfig r = regions.get(i);
            if (!names.add(r.name())) {
                throw new SimulatorConfigException("regions[" + i + "].name",
                        "must be unique, '" + r.name() + "' appears twice");
            }
            if (r.port() != 0 && !ports.add(r.port())) {
                throw new SimulatorConfigException("regions[" + i + "].port",
                        "must be unique, " + r.port() + " appears twice");
            }
        }
    }

    /** Reads and validates a YAML file. */
    public static SimulatorConfig load(Path yaml) {
        try {
            return parse(Files.readString(yaml, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read simulator config " + yaml, e);
        }
    }

    /** Parses and validates YAML text. */
    public static SimulatorConfig parse(String yaml) {
        return ConfigReader.parse(yaml);
    }

    /**
     * The setup {@code bin/pipeline local} runs: deployment {@code gpt-4o-mini} (model gpt-4o-mini-2024-07-18) in
     * {@code swedencentral} (TPM 450000, RPM 2700, latency multiplier 0.6), {@code eastus} (150000 / 900, 1.0) and
     * {@code westeurope} (60000 / 360, 1.8); time-scale 1, api key {@code sim-key}, free ports, no faults.
     */
    public static SimulatorConfig localDefault() {
        return parse("""
                time-scale: 1
                api-keys: [sim-key]
                regions:
                  - name: swedencentral
                    display-name: Sweden Central
                    latency: {multiplier: 0.6}
                    deployments:
                      - {name: gpt-4o-mini, model: gpt-4o-mini-2024-07-18, tpm: 450000, rpm: 2700}
                  - name: eastus
                    display-name: East US
                    latency: {multiplier: 1.0}
                    deployments:
                      - {name: gpt-4o-mini, model: gpt-4o-mini-2024-07-18, tpm: 150000, rpm: 900}
                  - name: westeurope
                    display-name: West Europe
                    latency: {multiplier: 1.8}
                    deployments:
                      - {name: gpt-4o-mini, model: gpt-4o-mini-2024-07-18, tpm: 60000, rpm: 360}
                """);
    }

    /** A copy with a different time scale. */
    public SimulatorConfig withTimeScale(double newTimeScale) {
        return new SimulatorConfig(newTimeScale, seed, host, apiKeys, apiVersionsAccept, regions, tokens);
    }

    /** A copy with a different seed. */
    public SimulatorConfig withSeed(long newSeed) {
        return new SimulatorConfig(timeScale, newSeed, host, apiKeys, apiVersionsAccept, regions, tokens);
    }

    /** A copy with different regions. */
    public SimulatorConfig withRegions(List<RegionConfig> newRegions) {
        return new SimulatorConfig(timeScale, seed, host, apiKeys, apiVersionsAccept, newRegions, tokens);
    }

    /** A copy in which every region uses {@code latency} (e.g. {@link LatencyConfig#instant()} in tests). */
    public SimulatorConfig withLatency(LatencyConfig latency) {
        return withRegions(regions.stream().map(r -> new RegionConfig(r.name(), r.port(), r.displayName(), latency,
                r.faults(), r.deployments(), r.apiKeys())).toList());
    }

    /** The region with this name, or null. */
    public RegionConfig region(String name) {
        for (RegionConfig r : regions) {
            if (r.name().equals(name)) {
                return r;
            }
        }
        return null;
    }

    @Override
    public String toString() {
        return "SimulatorConfig[timeScale=" + timeScale + ", seed=" + seed + ", host=" + host + ", apiKeys=("
                + apiKeys.size() + " hidden), apiVersionsAccept=" + apiVersionsAccept + ", regions=" + regions + "]";
    }
}
