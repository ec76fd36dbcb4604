package dev.llmbatch.simulator;

import java.util.random.RandomGenerator;

/**
 * The latency formula of reference section 6 (documented on {@link LatencyConfig}), in simulated milliseconds.
 * Draws from the region's seeded generator in a fixed order (TTFT, TPS, then the slow-tail draw when p-slow > 0),
 * so a run repeats. Stateless; the generator must be confined to the caller's thread.
 */
final class LatencyModel {

    private LatencyModel() {
    }

    static double e2eMs(LatencyConfig c, RandomGenerator rnd, int promptTokens, int completionTokens,
                        double utilisation, double faultMultiplier) {
        double ttft = c.ttftMs() * Math.exp(c.ttftSigma() * rnd.nextGaussian());
        double tps = c.tps() * Math.exp(c.tpsSigma() * rnd.nextGaussian()) / (1 + c.loadAlpha() * utilisation);
        double ms = c.rttMs() + ttft + promptTokens / 1000.0 * c.prefillMsPer1k() + completionTokens * 1000.0 / tps;
        ms *= c.multiplier() * faultMultiplier;
        if (c.pSlow() > 0 && rnd.nextDouble() < c.pSlow()) {
            ms *= 3 + 7 * rnd.nextDouble();
        }
        return ms;
    }

    /** Round-trip share of a response sent without generating (500/503/reset): rtt times the multipliers. */
    static double rttMs(LatencyConfig c, double faultMultiplier) {
        return c.rttMs() * c.multiplier() * faultMultiplier;
    }
}
