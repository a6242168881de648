package dev.isthmus.iouring;

import java.io.IOException;

import dev.isthmus.core.loop.EventLoop;
import dev.isthmus.core.transport.IoDriver;
import dev.isthmus.core.transport.Transport;
import dev.isthmus.core.transport.nio.NioTransport;

/**
 * The io_uring transport: one ring per event loop, sockets created and driven through raw
 * system calls, zero-copy splicing between connections. {@link #select} picks it or NIO for
 * the {@code --io nio|uring|auto} setting.
 */
public final class UringTransport implements Transport {
    public static final UringTransport INSTANCE = new UringTransport();
    private static final System.Logger LOG = System.getLogger(UringTransport.class.getName());
    private static volatile String unavailable;
    private static volatile boolean probed;

    private UringTransport() {
    }

    /** Why io_uring cannot be used in this process, or null when it can (probed once). */
    public static String unavailableReason() {
        if (!probed) {
            synchronized (UringTransport.class) {
                if (!probed) {
                    unavailable = Probe.whyUnavailable();
                    probed = true;
                }
            }
        }
        return unavailable;
    }

    /**
     * The transport for an {@code io} setting: {@code nio}; {@code uring} (fails when io_uring
     * is unavailable); {@code auto}, io_uring where the kernel allows it and NIO otherwise,
     * saying so in one log line.
     */
    public static Transport select(String mode) {
        return switch (mode) {
            case "nio" -> NioTransport.INSTANCE;
            case "uring" -> {
                String reason = unavailableReason();
                if (reason != null) {
                    throw new IllegalStateException("io_uring is unavailable: " + reason);
                }
                yield INSTANCE;
            }
            case "auto" -> {
                String reason = unavailableReason();
                if (reason != null) {
                    LOG.log(System.Logger.Level.WARNING, "io_uring is unavailable (" + reason + "); using the NIO transport");
                    yield NioTransport.INSTANCE;
                }
                yield INSTANCE;
            }
            default -> throw new IllegalArgumentException("io must be nio, uring or auto: " + mode);
        };
    }

    @Override
    public String name() {
        return "uring";
    }

    @Override
    public IoDriver open(EventLoop loop) throws IOException {
        return new UringDriver(loop);
    }
}
