package dev.isthmus.core.config;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * Which transport the event loops run on, by its configuration name ({@code io: auto} in the
 * file, {@code --io auto} on the command line). The engine only knows the names; the CLI
 * maps them to a transport.
 */
public enum IoMode {
    /** Java NIO selectors: works everywhere. */
    NIO("nio"),
    /** io_uring: start-up fails where the kernel or the JVM does not allow it. */
    URING("uring"),
    /** io_uring where the kernel and the JVM allow it, NIO otherwise (saying so once). The default. */
    AUTO("auto");

    private final String configName;

    IoMode(String configName) {
        this.configName = configName;
    }

    /** The name used in YAML and on the command line. */
    public String configName() {
        return configName;
    }

    /** @throws IllegalArgumentException naming the accepted values */
    public static IoMode fromName(String name) {
        for (IoMode mode : values()) {
            if (mode.configName.equals(name)) {
                return mode;
            }
        }
        throw new IllegalArgumentException("unknown I/O mode '" + name + "', expected one of "
                + Arrays.stream(values()).map(IoMode::configName).collect(Collectors.joining(", ")));
    }

    @Override
    public String toString() {
        return configName;
    }
}
