/**
 * A real {@code redis-server} for tests and for {@code bin/pipeline local}: the shared quota store that several
 * workers use (issue 10). Nothing here is a mock; nothing here depends on Vert.x, Kafka or a Redis client library.
 *
 * <p>{@link dev.llmbatch.redis.embedded.EmbeddedRedis} picks, in this order, the server named by {@code REDIS_URL}
 * (used as it is, not owned), a {@code redis-server} on the {@code PATH}, or the Linux/macOS binary that the Maven
 * artifact {@code com.github.codemonstur:embedded-redis} ships; an owned server runs as its own process on a free
 * loopback port, without persistence, and can be stopped, killed ({@code SIGKILL}) and restarted on the same port.
 */
package dev.llmbatch.redis.embedded;
