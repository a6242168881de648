package dev.isthmus.core.transport;

import java.net.InetSocketAddress;

import org.agrona.DirectBuffer;

/**
 * What a protocol over UDP does with the datagrams of a {@link DatagramEndpoint}. Called on the
 * endpoint's loop thread; an exception is logged and the datagram dropped, the endpoint goes on.
 */
public interface DatagramHandler {
    /**
     * One datagram of {@code length} bytes at {@code offset} in {@code data}, from {@code sender}.
     * The bytes are valid only during the call (the next datagram lands in the same buffer).
     */
    void onDatagram(DatagramEndpoint endpoint, DirectBuffer data, int offset, int length, InetSocketAddress sender);
}
