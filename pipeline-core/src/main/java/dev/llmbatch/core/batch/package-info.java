/**
 * Prompt packing: the protocol that carries several small jobs sharing one instruction in one chat request, the
 * validation of its reply, and the apportioning of usage back to the jobs.
 */
package dev.llmbatch.core.batch;
