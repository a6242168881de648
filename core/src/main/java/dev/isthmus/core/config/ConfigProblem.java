package dev.isthmus.core.config;

import java.nio.file.Path;
import java.util.Objects;

/**
 * One mistake in a configuration file, located so an editor can jump to it.
 *
 * @param file    the file as it was named (relative paths stay relative, as the user typed them)
 * @param line    1-based line of the offending node, or 0 when the problem concerns the whole
 *                file (it cannot be read, or something required is missing everywhere)
 * @param message what is wrong and, where it helps, what would be right
 */
public record ConfigProblem(Path file, int line, String message) {
    public ConfigProblem {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(message, "message");
        if (line < 0) {
            throw new IllegalArgumentException("line must be >= 0: " + line);
        }
    }

    /** {@code FILE:LINE: message}, or {@code FILE: message} for line 0, as compilers print them. */
    @Override
    public String toString() {
        return line > 0 ? file + ":" + line + ": " + message : file + ": " + message;
    }
}
