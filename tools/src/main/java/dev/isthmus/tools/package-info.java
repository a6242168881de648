/**
 * The {@code isthmus} command line: {@code run} (the default command) starts the gateway from
 * flags, a YAML file, or both; {@code check} validates a file. Flags are merged onto the file's
 * model in {@link dev.isthmus.tools.RunOptions}, so the merge is testable without starting anything.
 *
 * <p>Depends on picocli, {@code dev.isthmus.core} and the protocol modules; nothing depends on it.
 * Logs through {@link java.lang.System.Logger}, backed by java.util.logging with the one-line
 * format that {@link dev.isthmus.tools.Main} installs.
 */
package dev.isthmus.tools;
