package dev.isthmus.core.transport.nio;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

import dev.isthmus.core.timer.Timer;
import dev.isthmus.core.transport.Acceptor;
import dev.isthmus.core.transport.Listener;

/** A listening socket of one NIO loop. */
final class NioListener extends Timer implements Listener {
    /** Accepts per readiness event, so one busy listener cannot starve the loop's other sockets. */
    private static final int ACCEPTS_PER_EVENT = 64;

    private final NioDriver driver;
    private final ServerSocketChannel channel;
    private final Acceptor acceptor;
    private final InetSocketAddress localAddress;
    SelectionKey key;

    NioListener(NioDriver driver, ServerSocketChannel channel, Acceptor acceptor) throws IOException {
        this.driver = driver;
        this.channel = channel;
        this.acceptor = acceptor;
        this.localAddress = (InetSocketAddress) channel.getLocalAddress();
    }

    void acceptReady() {
        for (int i = 0; i < ACCEPTS_PER_EVENT; i++) {
            SocketChannel accepted;
            try {
                accepted = channel.accept();
            } catch (IOException e) {
                driver.acceptFailed(this, e);
                return;
            }
            if (accepted == null) {
                return;
            }
            try {
                driver.accepted(accepted, acceptor);
            } catch (IOException e) {
                try {
                    accepted.close();
                } catch (IOException ignored) {
                    // already failing
                }
            }
        }
    }

    /** Stops accepting until {@code untilNanos} (out of file descriptors: let connections close first). */
    void pause(long untilNanos) {
        if (key.isValid()) {
            key.interestOps(0);
            driver.loop.timers().schedule(this, untilNanos);
        }
    }

    @Override
    protected void onTimeout(long nowNanos) {
        if (key.isValid()) {
            key.interestOps(SelectionKey.OP_ACCEPT);
        }
    }

    @Override
    public InetSocketAddress localAddress() {
        return localAddress;
    }

    @Override
    public void close() {
        driver.loop.timers().cancel(this);
        key.cancel();
        try {
            channel.close();
        } catch (IOException ignored) {
            // nothing left to do for a listener that will not close
        }
    }
}
