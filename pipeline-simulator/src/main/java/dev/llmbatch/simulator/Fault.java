package dev.llmbatch.simulator;

import java.util.random.RandomGenerator;

/** The fault picked for one admitted request. */
enum Fault {
    NONE, E500, E503, E408, HANG, RESET;

    /** One uniform draw against the cumulative probabilities; no draw at all when the spec injects nothing. */
    static Fault draw(FaultSpec spec, RandomGenerator rnd) {
        double total = spec.p500() + spec.p503() + spec.p408() + spec.pHang() + spec.pReset();
        if (total <= 0) {
            return NONE;
        }
        double u = rnd.nextDouble();
        double edge = spec.p500();
        if (u < edge) {
            return E500;
        }
        edge += spec.p503();
        if (u < edge) {
            return E503;
        }
        edge += spec.p408();
        if (u < edge) {
            return E408;
        }
        edge += spec.pHang();
        if (u < edge) {
            return HANG;
        }
        edge += spec.pReset();
        return u < edge ? RESET : NONE;
    }
}
