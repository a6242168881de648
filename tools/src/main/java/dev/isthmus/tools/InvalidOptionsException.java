package dev.isthmus.tools;

import java.util.List;

/**
 * The flags, the configuration file, or their combination cannot be run. Each message is one
 * complete line for stderr: {@code FILE:LINE: message} for a file's mistakes,
 * {@code isthmus: message} for the flags'.
 */
public final class InvalidOptionsException extends Exception {
    private final List<String> messages;

    /** @param messages at least one line */
    public InvalidOptionsException(List<String> messages) {
        super(String.join("\n", messages));
        if (messages.isEmpty()) {
            throw new IllegalArgumentException("at least one message is needed");
        }
        this.messages = List.copyOf(messages);
    }

    public List<String> messages() {
        return messages;
    }
}
