package dev.llmbatch.worker.intake;

import dev.llmbatch.core.config.KafkaSettings;
import dev.llmbatch.worker.admin.Metrics;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import dev.llmbatch.worker.emission.ResultSink;
import java.util.Properties;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The real clients of a {@link KafkaLoop}: the jobs consumer (read_committed, manual commits) and the sink, both
 * with their client metrics bound (the consumer's stay bound until the registry closes).
 */
final class KafkaClients implements KafkaLoop.Clients {
    private final KafkaSettings settings;
    private final Metrics metrics;

    KafkaClients(KafkaSettings settings, Metrics metrics) {
        this.settings = settings;
        this.metrics = metrics;
    }

    @Override
    public Consumer<byte[], byte[]> consumer() {
        KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(consumerProps(settings), new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
        metrics.kafkaClient(new KafkaClientMetrics(c));
        return c;
    }

    @Override
    public ResultSink sink() {
        return new ResultSink(settings, metrics);
    }

    private static Properties consumerProps(KafkaSettings settings) {
        Properties p = new Properties();
        p.putAll(settings.properties());
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrap());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, settings.group());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, Integer.toString(settings.maxPollRecords()));
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, settings.group() + "-jobs");
        return p;
    }
}
