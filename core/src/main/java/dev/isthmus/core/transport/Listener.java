package dev.isthmus.core.transport;

import java.net.InetSocketAddress;

/** A listening socket of one event loop. */
public interface Listener {
    /** The bound address (with the real port when 0 was asked for). */
    InetSocketAddress localAddress();

    /** Stops accepting and closes the socket; established connections are not touched. */
    void close();
}
