/** The result contract: one {@link dev.llmbatch.core.result.JobResult} per job on the results topic. */
package dev.llmbatch.core.result;
