/**
 * Credentials per deployment: an API key (from an environment variable, or a file re-read when the service answers
 * 401, so a rotated Kubernetes or Docker secret needs no restart) or a Microsoft Entra ID token (azure-identity,
 * fetched and refreshed before expiry on Vert.x worker threads, never on an event loop). The dispatcher asks
 * {@link dev.llmbatch.worker.auth.Credentials} for the header of each call; no key or token ever reaches a log, an
 * exception message, a config object or a result.
 */
package dev.llmbatch.worker.auth;
