package dev.isthmus.core.transport;

import java.net.InetSocketAddress;

import org.agrona.MutableDirectBuffer;

/**
 * A UDP socket on one event loop ({@link IoDriver#bindDatagram}): datagrams that arrive go to
 * its {@link DatagramHandler}; datagrams go out with {@link #send}, written into
 * {@link #sendBuffer()} first, so neither direction allocates. Used only from its loop thread.
 *
 * <p>UDP gives no delivery guarantee, and neither does {@link #send}: when the socket's send
 * buffer is full the datagram is dropped (and counted), as the network could have dropped it;
 * protocols over UDP retransmit. Closing it as a {@link Listener} stops receiving.
 */
public interface DatagramEndpoint extends Listener {
    /** Where the next datagram to {@link #send} is written, from index 0; as large as the largest datagram. */
    MutableDirectBuffer sendBuffer();

    /**
     * Sends the first {@code length} bytes of {@link #sendBuffer()} to {@code recipient}.
     *
     * @return false when the datagram was dropped (the send buffer is full, or the socket failed)
     */
    boolean send(int length, InetSocketAddress recipient);

    /** Datagrams {@link #send} dropped so far. */
    long dropped();
}
