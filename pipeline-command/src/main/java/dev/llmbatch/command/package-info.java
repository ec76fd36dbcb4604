/**
 * What every {@code bin/pipeline} command shares, so that they all behave alike: the picocli set-up and exit codes
 * ({@link dev.llmbatch.command.Commands}: 0 done, 1 failed, 2 bad usage naming the option), the one duration syntax
 * ({@link dev.llmbatch.command.DurationConverter}: {@code 500ms}, {@code 30s}, {@code 5m}, {@code 1h}, {@code 1d})
 * and {@code --version} ({@link dev.llmbatch.command.VersionProvider}). Depends on picocli only, so that every
 * module with a command (down to the embedded broker) can use it.
 */
package dev.llmbatch.command;
