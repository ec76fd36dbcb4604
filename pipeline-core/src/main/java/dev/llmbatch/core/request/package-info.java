/** The wire form of a chat-completions request. */
package dev.llmbatch.core.request;
