/**
 * Commit positions under out-of-order completion, and the answered offsets above them that a commit carries in its
 * metadata (bounded in size) so that the next reader of a partition skips them.
 */
package dev.llmbatch.core.offsets;
