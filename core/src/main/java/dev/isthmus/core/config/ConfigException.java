package dev.isthmus.core.config;

import java.util.List;
import java.util.stream.Collectors;

/**
 * A configuration was rejected. Carries every problem found, in line order, so one round of
 * editing can fix them all; the message is their {@link ConfigProblem#toString()} forms, one a line.
 */
public final class ConfigException extends RuntimeException {
    private final List<ConfigProblem> problems;

    /** @param problems at least one problem */
    public ConfigException(List<ConfigProblem> problems) {
        super(problems.stream().map(ConfigProblem::toString).collect(Collectors.joining("\n")));
        if (problems.isEmpty()) {
            throw new IllegalArgumentException("a configuration exception needs at least one problem");
        }
        this.problems = List.copyOf(problems);
    }

    public List<ConfigProblem> problems() {
        return problems;
    }
}
