package dev.llmbatch.simulator;

import java.util.random.RandomGenerator;

/**
 * The latency formula of reference section 6 with the heavy-tail knobs (documented on {@link LatencyConfig}), in
 * simulated milliseconds. Draws from the region's seeded generator in a fixed order (TTFT, TPS, then the tail draw
 * when tail-sigma > 0, the slow draw when p-slow > 0, the stall draw when stall-probability > 0), so a run repeats.
 * Stateless; the generator must be confined to the caller's thread.
 */
final class LatencyModel {

    private LatencyModel() {
    }

    /** One call's simulated time to answer, and whether it stalled. */
    record Sample(double ms, boolean stalled) {
    }

    static Sample sample(LatencyConfig c, RandomGenerator rnd, int promptTokens, int completionTokens,
                         double utilisation, double faultMultiplier) {
        double ttft = c.ttftMs() * Math.exp(c.ttftSigma() * rnd.nextGaussian());
        double tps = c.tps() * Math.exp(c.tpsSigma() * rnd.nextGaussian()) / (1 + c.loadAlpha() * utilisation);
        double ms = c.rttMs() + ttft + promptTokens / 1000.0 * c.prefillMsPer1k() + completionTokens * 1000.0 / tps;
        ms *= c.multiplier() * faultMultiplier;
        if (c.tailSigma() > 0) {
            ms *= Math.exp(c.tailSigma() * rnd.nextGaussian());
        }
        if (c.pSlow() > 0 && rnd.nextDouble() < c.pSlow()) {
            ms *= 3 + 7 * rnd.nextDouble();
        }
        boolean stalled = c.stallProbability() > 0 && rnd.nextDouble() < c.stallProbability();
        return new Sample(stalled ? ms + c.stallMs() : ms, stalled);
    }

    static double e2eMs(LatencyConfig c, RandomGenerator rnd, int promptTokens, int completionTokens,
                        double utilisation, double faultMultiplier) {
        return sample(c, rnd, promptTokens, completionTokens, utilisation, faultMultiplier).ms();
    }

    /** Round-trip share of a response sent without generating (500/503/reset): rtt times the multipliers. */
    static double rttMs(LatencyConfig c, double faultMultiplier) {
        return c.rttMs() * c.multiplier() * faultMultiplier;
    }
}
