/**
 * The worker configuration: immutable records, loaded from defaults + YAML file + environment, validated with
 * messages that name the key. Secrets are only named here (env var or file), never held.
 */
package dev.llmbatch.core.config;
