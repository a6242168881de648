/**
 * The configuration model and its YAML loader: one immutable {@link dev.isthmus.core.config.IsthmusConfig}
 * built from a file ({@link dev.isthmus.core.config.ConfigLoader}), from command-line flags, or
 * from both (flags override the file; the CLI does that merge).
 *
 * <p>Every record validates its own invariants, so a model built in code is as sound as one
 * loaded from YAML; the loader checks the same rules first so it can name the line of each
 * mistake, and it reports all mistakes at once. Depends on the JDK, snakeyaml-engine and the
 * settings types of {@code dev.isthmus.core.upstream}; knows no protocol implementation.
 */
package dev.isthmus.core.config;
