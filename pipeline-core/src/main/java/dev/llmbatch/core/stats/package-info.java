/** Small numeric helpers shared by the estimators (no state, no I/O). */
package dev.llmbatch.core.stats;
