package dev.llmbatch.simulator;

/**
 * Ways a deployment corrupts its replies to packed requests (see {@link dev.llmbatch.core.batch.PackingProtocol}),
 * so that a client's validation of packed replies can be exercised. Only packed requests that are answered 200 are
 * affected; the draws use a seeded random stream of the region's own, separate from the latency and fault draws.
 *
 * <p>YAML/JSON keys under a deployment's {@code batch-faults} (each in [0, 1], default 0):
 * <ul>
 *   <li>{@code p-drop} (per item): the item's entry is left out;</li>
 *   <li>{@code p-duplicate} (per item): the entry appears twice, the second copy with a different output (another
 *       item's output, or the item's own with {@code " (duplicate)"} appended when that would be equal);</li>
 *   <li>{@code p-reorder} (per reply): the entries are shuffled into an order different from the index order;</li>
 *   <li>{@code p-corrupt} (per item): the entry is malformed: {@code output} a number or {@code null}, or {@code i}
 *       a string;</li>
 *   <li>{@code p-invalid-json} (per reply): the content is cut to its first half (in code points), so it does not
 *       parse.</li>
 * </ul>
 * Per item, a drop wins over a corruption, and a corruption over a duplicate (a corrupted entry is never also
 * duplicated): so each affected index has no usable entry, and a correct client never takes another item's answer.
 *
 * <p>Immutable and thread-safe.
 *
 * @param pDrop probability per item that its entry is missing
 * @param pDuplicate probability per item that its entry appears twice with different outputs
 * @param pReorder probability per reply that the entries are out of index order
 * @param pCorrupt probability per item that its entry is malformed
 * @param pInvalidJson probability per reply that the content is not valid JSON
 */
public record BatchFaults(double pDrop, double pDuplicate, double pReorder, double pCorrupt, double pInvalidJson) {

    private static final BatchFaults NONE = new BatchFaults(0, 0, 0, 0, 0);

    /** Validates every probability; messages name the YAML key. */
    public BatchFaults {
        FaultSpec.probability("p-drop", pDrop);
        FaultSpec.probability("p-duplicate", pDuplicate);
        FaultSpec.probability("p-reorder", pReorder);
        FaultSpec.probability("p-corrupt", pCorrupt);
        FaultSpec.probability("p-invalid-json", pInvalidJson);
    }

    /** No corruption: packed replies are exactly {@link FakeModel#packedReply}. */
    public static BatchFaults none() {
        return NONE;
    }

    /** Whether this injects nothing. */
    public boolean isNone() {
        return equals(NONE);
    }

    /** A copy with {@code p-drop} changed. */
    public BatchFaults withPDrop(double p) {
        return new BatchFaults(p, pDuplicate, pReorder, pCorrupt, pInvalidJson);
    }

    /** A copy with {@code p-duplicate} changed. */
    public BatchFaults withPDuplicate(double p) {
        return new BatchFaults(pDrop, p, pReorder, pCorrupt, pInvalidJson);
    }

    /** A copy with {@code p-reorder} changed. */
    public BatchFaults withPReorder(double p) {
        return new BatchFaults(pDrop, pDuplicate, p, pCorrupt, pInvalidJson);
    }

    /** A copy with {@code p-corrupt} changed. */
    public BatchFaults withPCorrupt(double p) {
        return new BatchFaults(pDrop, pDuplicate, pReorder, p, pInvalidJson);
    }

    /** A copy with {@code p-invalid-json} changed. */
    public BatchFaults withPInvalidJson(double p) {
        return new BatchFaults(pDrop, pDuplicate, pReorder, pCorrupt, p);
    }
}
