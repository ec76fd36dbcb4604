/**
 * An Azure-OpenAI-compatible region simulator for tests, benchmarks and {@code bin/pipeline local}.
 *
 * <p>Public API: {@link dev.llmbatch.simulator.SimulatorConfig} (YAML, validated with messages naming the key),
 * {@link dev.llmbatch.simulator.Simulator} (start, ports, stats, runtime quota, fault and packing changes),
 * {@link dev.llmbatch.simulator.FaultSpec} and {@link dev.llmbatch.simulator.BatchFaults} (request faults and
 * corruption of replies to packed requests), {@link dev.llmbatch.simulator.PackingMode} (a model that ignores the
 * packing schema), {@link dev.llmbatch.simulator.LatencyConfig} (latency with a heavy tail and stalls),
 * {@link dev.llmbatch.simulator.quota.CostEstimator} (what admission charges),
 * {@link dev.llmbatch.simulator.RegionStats} / {@link dev.llmbatch.simulator.DeploymentStats} snapshots,
 * {@link dev.llmbatch.simulator.FakeModel} (the deterministic reply function tests use to compute expected outputs,
 * for single and packed requests)
 * and {@link dev.llmbatch.simulator.SimulatorCommand} (the CLI). Everything else in the package is the
 * package-private HTTP implementation: one verticle per region, its state confined to that verticle's event loop.
 */
package dev.llmbatch.simulator;
