/** Token counting (jtokkit, explicit encoding per model pool) and the quota charge of a request. */
package dev.llmbatch.core.estimate;
