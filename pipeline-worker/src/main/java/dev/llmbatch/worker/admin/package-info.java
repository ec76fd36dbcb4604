/**
 * Operator endpoints and metrics: the Micrometer registry ({@link dev.llmbatch.worker.admin.Metrics}), the group's
 * consumer lag read off the Kafka loop ({@link dev.llmbatch.worker.admin.ConsumerLag}), the {@code /status.json}
 * sections built from them ({@link dev.llmbatch.worker.admin.StatusSections}) and the admin HTTP server with the
 * status page ({@link dev.llmbatch.worker.admin.AdminServer}, static files under {@code status-page/}).
 */
package dev.llmbatch.worker.admin;
