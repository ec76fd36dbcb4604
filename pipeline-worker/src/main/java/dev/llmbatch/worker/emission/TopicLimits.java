package dev.llmbatch.worker.emission;

import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The largest record a topic takes ({@code max.message.bytes}), read once at start-up, so that the worker never
 * produces a record the broker must refuse: a refused record would fail its whole transaction, again and again.
 */
final class TopicLimits {
    private static final Logger LOG = LoggerFactory.getLogger(TopicLimits.class);
    /** The broker's own default message.max.bytes, assumed when the topic's setting cannot be read. */
    static final int BROKER_DEFAULT = 1_048_588;

    private TopicLimits() {
    }

    static int maxMessageBytes(Properties producerProps, String topic) {
        Properties p = new Properties();
        producerProps.forEach((k, v) -> {
            if (AdminClientConfig.configNames().contains(String.valueOf(k))) {
                p.put(k, v);
            }
        });
        p.remove(ProducerConfig.CLIENT_ID_CONFIG);
        ConfigResource r = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        try (Admin admin = Admin.create(p)) {
            Map<ConfigResource, Config> configs = admin.describeConfigs(List.of(r)).all().get(10, TimeUnit.SECONDS);
            ConfigEntry e = configs.get(r).get(TopicConfig.MAX_MESSAGE_BYTES_CONFIG);
            return e == null || e.value() == null ? BROKER_DEFAULT : Integer.parseInt(e.value().trim());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return BROKER_DEFAULT;
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            LOG.warn("could not read max.message.bytes of {} ({}); assuming the broker default {}", topic,
                    e.toString(), BROKER_DEFAULT);
            return BROKER_DEFAULT;
        }
    }
}
