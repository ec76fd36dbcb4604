package dev.llmbatch.producer;

import dev.llmbatch.core.time.Ticker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads what {@code status} needs from the cluster: a group's committed offsets and a topic's start and end offsets
 * (through the Admin client), and a sample of the records the group has not consumed yet (through a group-less
 * consumer that commits nothing). Not thread-safe.
 */
final class StatusProbe implements AutoCloseable {
    private static final Duration POLL = Duration.ofMillis(200);

    /**
     * Offsets of one topic for one group, read at {@code atNanos}. Partitions without a commit are absent, and so
     * are partitions no member of the group is assigned from {@code owners}.
     */
    record Offsets(String groupState, Map<Integer, Long> committed, Map<Integer, Long> start, Map<Integer, Long> end,
            Map<Integer, StatusCommand.Owner> owners, long atNanos) {

        Offsets(String groupState, Map<Integer, Long> committed, Map<Integer, Long> start, Map<Integer, Long> end,
                long atNanos) {
            this(groupState, committed, start, end, Map.of(), atNanos);
        }

        Offsets {
            owners = Map.copyOf(owners);
            // Sorted copies: the table lists partitions in order.
            committed = Collections.unmodifiableSortedMap(new TreeMap<>(committed));
            start = Collections.unmodifiableSortedMap(new TreeMap<>(start));
            end = Collections.unmodifiableSortedMap(new TreeMap<>(end));
        }

        /** Where the group will read next: its commit, or the log start when it has none (or retention passed it). */
        long position(int partition) {
            long start = this.start.getOrDefault(partition, 0L);
            Long c = committed.get(partition);
            return c == null ? start : Math.max(c, start);
        }

        long lag(int partition) {
            return Math.max(0, end.getOrDefault(partition, 0L) - position(partition));
        }
    }

    /** Token estimates of {@code jobs} sampled records, summed. */
    record TokenSample(int jobs, long tokens) {
        static final TokenSample NONE = new TokenSample(0, 0);
    }

    private final String bootstrap;
    private final Map<String, Object> client;
    private final Admin admin;
    private final Ticker ticker;
    private KafkaConsumer<byte[], byte[]> sampler;

    StatusProbe(String bootstrap, Ticker ticker) {
        this(bootstrap, Map.of(), ticker);
    }

    /** @param client Kafka client settings ({@code --command-config}) for the admin client and the sampler */
    StatusProbe(String bootstrap, Map<String, Object> client, Ticker ticker) {
        this.bootstrap = bootstrap;
        this.client = client;
        this.ticker = ticker;
        Map<String, Object> p = new HashMap<>(client);
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        // An unreachable cluster should fail the command in seconds, not after the one-minute default.
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 15_000);
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        this.admin = Admin.create(p);
    }

    /**
     * @throws GroupIdNotFoundException         if the cluster does not know the group
     * @throws UnknownTopicOrPartitionException if the topic does not exist
     */
    Offsets read(String group, String topic) {
        String state = groupState(group);
        TopicDescription description = get(admin.describeTopics(List.of(topic)).allTopicNames(),
                "topic '" + topic + "'").get(topic);
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        Map<TopicPartition, OffsetSpec> earliest = new HashMap<>();
        description.partitions().forEach(p -> {
            latest.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest());
            earliest.put(new TopicPartition(topic, p.partition()), OffsetSpec.earliest());
        });
        // read_committed end offsets: the records a worker can actually consume (excludes open transactions).
        ListOffsetsOptions committedView = new ListOffsetsOptions(IsolationLevel.READ_COMMITTED);
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends =
                get(admin.listOffsets(latest, committedView).all(), "end offsets of '" + topic + "'");
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> starts =
                get(admin.listOffsets(earliest, committedView).all(), "start offsets of '" + topic + "'");
        Map<TopicPartition, OffsetAndMetadata> commits =
                get(admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata(),
                        "committed offsets of group '" + group + "'");
        Map<Integer, Long> committed = new TreeMap<>();
        commits.forEach((tp, om) -> {
            if (om != null && tp.topic().equals(topic)) {
                committed.put(tp.partition(), om.offset());
            }
        });
        Map<Integer, Long> end = new TreeMap<>();
        ends.forEach((tp, info) -> end.put(tp.partition(), info.offset()));
        Map<Integer, Long> start = new TreeMap<>();
        starts.forEach((tp, info) -> start.put(tp.partition(), info.offset()));
        return new Offsets(state, committed, start, end, owners(group, topic), ticker.nanos());
    }

    /** Which member of the group is assigned each partition of {@code topic} (none while the group is empty). */
    private Map<Integer, StatusCommand.Owner> owners(String group, String topic) {
        ConsumerGroupDescription d = get(admin.describeConsumerGroups(List.of(group)).describedGroups().get(group),
                "members of group '" + group + "'");
        Map<Integer, StatusCommand.Owner> owners = new TreeMap<>();
        for (MemberDescription m : d.members()) {
            StatusCommand.Owner owner = new StatusCommand.Owner(m.consumerId(), m.clientId(), m.host());
            for (TopicPartition tp : m.assignment().topicPartitions()) {
                if (tp.topic().equals(topic)) {
                    owners.put(tp.partition(), owner);
                }
            }
        }
        return owners;
    }

    private String groupState(String group) {
        Collection<GroupListing> groups = get(admin.listGroups().all(), "consumer groups");
        Optional<GroupListing> listing = groups.stream().filter(g -> g.groupId().equals(group)).findFirst();
        if (listing.isEmpty() || listing.get().groupState().filter(s -> s == GroupState.DEAD).isPresent()) {
            List<String> known = new ArrayList<>();
            groups.stream().map(GroupListing::groupId).sorted().limit(10).forEach(known::add);
            throw new GroupIdNotFoundException("consumer group '" + group + "' not found at " + bootstrap
                    + (known.isEmpty() ? " (the cluster has no groups)" : " (known groups: " + String.join(", ", known)
                    + (groups.size() > known.size() ? ", ..." : "") + ")"));
        }
        return listing.get().groupState().map(GroupState::toString).orElse("unknown");
    }

    /**
     * Estimates the tokens of up to {@code max} records the group has not consumed yet, spread over partitions in
     * proportion to their lag and taken from the head of each one's unconsumed range (what runs next).
     */
    TokenSample sample(String topic, Offsets offsets, int max, Duration budget) {
        Map<TopicPartition, Long> quota = new HashMap<>();
        Map<TopicPartition, Long> endOf = new HashMap<>();
        long totalLag = 0;
        for (int p : offsets.end().keySet()) {
            totalLag += offsets.lag(p);
        }
        if (totalLag == 0 || max <= 0) {
            return TokenSample.NONE;
        }
        KafkaConsumer<byte[], byte[]> consumer = sampler();
        for (int p : offsets.end().keySet()) {
            long lag = offsets.lag(p);
            if (lag > 0) {
                TopicPartition tp = new TopicPartition(topic, p);
                quota.put(tp, Math.min(lag, (max * lag + totalLag - 1) / totalLag));
                endOf.put(tp, offsets.end().get(p));
            }
        }
        consumer.assign(quota.keySet());
        quota.keySet().forEach(tp -> consumer.seek(tp, offsets.position(tp.partition())));
        Set<TopicPartition> active = new HashSet<>(quota.keySet());
        Map<TopicPartition, Long> taken = new HashMap<>();
        int jobs = 0;
        long tokens = 0;
        long deadline = ticker.nanos() + budget.toNanos();
        try {
            while (!active.isEmpty() && jobs < max && ticker.nanos() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(POLL)) {
                    TopicPartition tp = new TopicPartition(r.topic(), r.partition());
                    if (!active.contains(tp) || jobs >= max) {
                        continue;
                    }
                    if (r.offset() >= endOf.get(tp)) {
                        active.remove(tp);
                        continue;
                    }
                    tokens += TokenEstimator.estimate(r.value());
                    jobs++;
                    if (taken.merge(tp, 1L, Long::sum) >= quota.get(tp)) {
                        active.remove(tp);
                    }
                }
                // Transaction markers take offsets too: a partition may reach its end short of its quota.
                active.removeIf(tp -> consumer.position(tp) >= endOf.get(tp));
                Set<TopicPartition> finished = new HashSet<>(quota.keySet());
                finished.removeAll(active);
                consumer.pause(finished);
            }
        } finally {
            consumer.unsubscribe();
        }
        return new TokenSample(jobs, tokens);
    }

    private KafkaConsumer<byte[], byte[]> sampler() {
        if (sampler == null) {
            Map<String, Object> p = new HashMap<>(client);
            p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
            p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
            p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
            p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
            p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 200);
            p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
            p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
            sampler = new KafkaConsumer<>(p);
        }
        return sampler;
    }

    private static <T> T get(KafkaFuture<T> future, String what) {
        try {
            return future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptException(e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof UnknownTopicOrPartitionException) {
                throw new UnknownTopicOrPartitionException(what + " not found", cause);
            }
            if (cause instanceof KafkaException k) {
                throw k;
            }
            throw new KafkaException("cannot read " + what + ": " + cause, cause);
        }
    }

    @Override
    public void close() {
        if (sampler != null) {
            sampler.close();
        }
        admin.close();
    }
}
