/** The job contract: what other services publish on the jobs topic, and its strict, never-throwing decoder. */
package dev.llmbatch.core.job;
