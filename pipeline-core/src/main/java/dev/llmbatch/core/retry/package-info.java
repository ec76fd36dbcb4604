/** The retry decision: a pure function from an outcome and an attempt count to reroute, back off or give up. */
package dev.llmbatch.core.retry;
