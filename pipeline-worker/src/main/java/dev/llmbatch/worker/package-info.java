/**
 * The worker: Kafka jobs in, quota-aware multi-region dispatch, Kafka results out. Sub-packages follow the data
 * flow: intake, dispatch, emission, admin.
 */
package dev.llmbatch.worker;
