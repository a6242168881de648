package dev.isthmus.core.transport.nio;

import java.io.IOException;

import dev.isthmus.core.loop.EventLoop;
import dev.isthmus.core.transport.IoDriver;
import dev.isthmus.core.transport.Transport;

/** The portable transport: one {@link java.nio.channels.Selector} (epoll on Linux) per event loop. */
public final class NioTransport implements Transport {
    public static final NioTransport INSTANCE = new NioTransport();

    private NioTransport() {
    }

    @Override
    public String name() {
        return "nio";
    }

    @Override
    public IoDriver open(EventLoop loop) throws IOException {
        return new NioDriver(loop);
    }
}
