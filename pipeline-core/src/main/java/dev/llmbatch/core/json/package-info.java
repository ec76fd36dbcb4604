/** The shared, strict JSON mapper. */
package dev.llmbatch.core.json;
