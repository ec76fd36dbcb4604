package dev.llmbatch.worker.intake;

import dev.llmbatch.core.time.Ticker;
import dev.llmbatch.worker.admin.Metrics;
import dev.llmbatch.worker.dispatch.Item;
import dev.llmbatch.worker.emission.Ticket;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;

/**
 * Takes one poll's records: asks the {@link PartitionGate} whether each may be read, the {@link CommitCoordinator}
 * whether its commit metadata has room and whether it is answered already, the {@link Router} what it is, and
 * applies that {@link Route}: jobs are collected for the dispatcher, everything else is published at once.
 *
 * <p>Not thread-safe: used by the Kafka loop thread only.
 */
final class Intake implements Route.Handler {
    private final PartitionGate gate;
    private final Router router;
    private final CommitCoordinator commits;
    private final Metrics metrics;
    private final Ticker ticker;
    private List<Item> jobs;
    private ConsumerRecord<byte[], byte[]> rec;
    private Ticket ticket;

    Intake(PartitionGate gate, Router router, CommitCoordinator commits, Metrics metrics, Ticker ticker) {
        this.gate = gate;
        this.router = router;
        this.commits = commits;
        this.metrics = metrics;
        this.ticker = ticker;
    }

    /** Applies each record's route; returns the jobs to dispatch (a new list the caller may hand on). */
    List<Item> take(ConsumerRecords<byte[], byte[]> records) {
        jobs = new ArrayList<>(records.count());
        TopicPartition tp = null;
        for (ConsumerRecord<byte[], byte[]> r : records) {
            if (tp == null || tp.partition() != r.partition() || !tp.topic().equals(r.topic())) {
                tp = new TopicPartition(r.topic(), r.partition());
            }
            take(tp, r);
        }
        List<Item> out = jobs;
        jobs = null;
        rec = null;
        ticket = null;
        return out;
    }

    private void take(TopicPartition tp, ConsumerRecord<byte[], byte[]> r) {
        if (!gate.accepts(tp)) {
            return; // closed since this poll's records were fetched; they are read again when it reopens
        }
        if (commits.intakeBlocked(tp)) {
            gate.withhold(tp, r.offset());
            metrics.inc("llm_intake_metadata_pauses_total");
            return;
        }
        rec = r;
        ticket = commits.ticket(r);
        boolean answered = !commits.track(tp, r.offset());
        router.route(r.value(), ticket, answered).applyTo(this);
    }

    @Override
    public void dispatch(Route.Dispatch d) {
        metrics.inc("llm_jobs_received_total");
        jobs.add(new Item(d.job(), ticket, ticker.nanos()));
    }

    @Override
    public void answer(Route.Answer a) {
        metrics.inc("llm_jobs_received_total");
        commits.publishDone(ticket, a.result());
        if (a.kind().equals("replayed")) {
            metrics.inc("llm_jobs_deduplicated_total", "kind", "replayed");
        }
    }

    @Override
    public void deadLetter(Route.DeadLetter d) {
        metrics.inc("llm_jobs_received_total");
        if (d.rejected() != null) {
            commits.publish(d.rejected());
        }
        commits.deadLetter(rec, d.code(), d.message());
    }

    @Override
    public void follow(Route.Follow f) {
        metrics.inc("llm_jobs_received_total");
        metrics.inc("llm_jobs_deduplicated_total", "kind", "joined");
    }

    @Override
    public void skip(Route.Skip s) {
        metrics.inc("llm_jobs_skipped_done_total");
    }
}
