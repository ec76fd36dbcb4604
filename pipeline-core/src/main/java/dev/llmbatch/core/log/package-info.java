/**
 * Logging helpers shared by the worker and the simulator: {@link dev.llmbatch.core.log.Mdc}, the MDC keys (job id,
 * region, deployment, pool) and scopes that set them around a log call. Depends on SLF4J's API only.
 */
package dev.llmbatch.core.log;
