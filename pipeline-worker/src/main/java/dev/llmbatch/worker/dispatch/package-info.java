/**
 * Dispatch: per model pool, a queue of jobs waiting for admission; region choice; the HTTP call; the retry decision
 * and its scheduling. Everything here runs on one Vert.x event loop.
 */
package dev.llmbatch.worker.dispatch;
