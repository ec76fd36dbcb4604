/** Operator endpoints and metrics. */
package dev.llmbatch.worker.admin;
