package dev.llmbatch.worker.dispatch;

import dev.llmbatch.core.job.ResolvedJob;
import dev.llmbatch.worker.emission.Ticket;
import java.util.ArrayList;
import java.util.List;

/**
 * One job on its way through dispatch, with the record it came from. When a packed request fails for some of its
 * jobs, each carries the calls and trace of the batch attempts it took part in into its next attempt. Confined to
 * the dispatcher's event loop once submitted.
 */
public final class Item {
    final ResolvedJob job;
    final Ticket ticket;
    final long receivedNanos;
    final List<String> priorTrace = new ArrayList<>(2);
    int priorCalls;
    /** Tokens billed by earlier calls whose answer was not used (a reply cut under a learned budget). */
    int priorPromptTokens;
    int priorCompletionTokens;
    /** Send with the job's own max_tokens: a learned budget cut its answer once. */
    boolean fullBudget;
    long firstSendNanos = -1;

    public Item(ResolvedJob job, Ticket ticket, long receivedNanos) {
        this.job = job;
        this.ticket = ticket;
        this.receivedNanos = receivedNanos;
    }
}
