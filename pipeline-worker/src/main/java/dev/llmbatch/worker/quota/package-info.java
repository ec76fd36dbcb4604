/**
 * Quota shared by several workers: each deployment's windows and cooldown kept in Redis (issue 10). Data flow: the
 * dispatcher admits a request locally, then against the shared windows here, then calls.
 */
package dev.llmbatch.worker.quota;
