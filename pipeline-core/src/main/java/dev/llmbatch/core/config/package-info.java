/**
 * The worker configuration: immutable records, bound by Jackson from defaults + YAML file + environment (every key
 * declared once, in {@code pipeline-defaults.yaml}), validated by their constructors with
 * messages that name the key. Secrets are only named here (env var or file), never held.
 */
package dev.llmbatch.core.config;
