/** Commit positions under out-of-order completion. */
package dev.llmbatch.core.offsets;
