package dev.isthmus.tools;

import dev.isthmus.core.config.IsthmusConfig;

/**
 * Starts the gateway for a configuration and returns the process exit status once it stops.
 *
 * <p>Placeholder until the event-loop gateway is merged in: it only prints the configuration
 * it would run.
 */
public final class Gateway {
    private Gateway() {
    }

    /** @return the exit status: 0 after a clean shutdown */
    public static int run(IsthmusConfig config) {
        System.out.println(config.summary());
        return 0;
    }
}
