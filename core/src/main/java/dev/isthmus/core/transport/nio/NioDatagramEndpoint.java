package dev.isthmus.core.transport.nio;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;

import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import dev.isthmus.core.transport.DatagramEndpoint;
import dev.isthmus.core.transport.DatagramHandler;

/** A UDP socket of one NIO loop. */
final class NioDatagramEndpoint implements DatagramEndpoint {
    private static final System.Logger LOG = System.getLogger(NioDatagramEndpoint.class.getName());
    /** Datagrams read per readiness event, so one busy socket cannot starve the loop's others. */
    private static final int RECEIVES_PER_EVENT = 64;
    /** The largest UDP payload over IPv4 is 65,507 bytes; IPv6 jumbograms are not supported. */
    static final int MAX_DATAGRAM = 65_536;

    private final NioDriver driver;
    private final DatagramChannel channel;
    private final DatagramHandler handler;
    private final InetSocketAddress localAddress;
    private final ByteBuffer received = ByteBuffer.allocateDirect(MAX_DATAGRAM);
    private final UnsafeBuffer receivedView = new UnsafeBuffer(received);
    private final ByteBuffer outgoing = ByteBuffer.allocateDirect(MAX_DATAGRAM);
    private final UnsafeBuffer outgoingView = new UnsafeBuffer(outgoing);
    private long dropped;
    SelectionKey key;

    NioDatagramEndpoint(NioDriver driver, DatagramChannel channel, DatagramHandler handler) throws IOException {
        this.driver = driver;
        this.channel = channel;
        this.handler = handler;
        this.localAddress = (InetSocketAddress) channel.getLocalAddress();
    }

    void readReady() {
        for (int i = 0; i < RECEIVES_PER_EVENT; i++) {
            received.clear();
            InetSocketAddress sender;
            try {
                sender = (InetSocketAddress) channel.receive(received);
            } catch (IOException e) {
                // An ICMP error for an earlier send (port unreachable) surfaces here on some kernels.
                LOG.log(System.Logger.Level.DEBUG, "receive on " + localAddress + ": " + e);
                continue;
            }
            if (sender == null) {
                return;
            }
            try {
                handler.onDatagram(this, receivedView, 0, received.position(), sender);
            } catch (Throwable t) {
                driver.loop.uncaught(t, "datagram from " + sender);
            }
        }
    }

    @Override
    public MutableDirectBuffer sendBuffer() {
        return outgoingView;
    }

    @Override
    public boolean send(int length, InetSocketAddress recipient) {
        outgoing.clear().limit(length);
        try {
            if (channel.send(outgoing, recipient) == length) {
                return true;
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "send to " + recipient + " from " + localAddress + ": " + e);
        }
        dropped++;
        return false;
    }

    @Override
    public long dropped() {
        return dropped;
    }

    @Override
    public InetSocketAddress localAddress() {
        return localAddress;
    }

    @Override
    public void close() {
        if (key != null) {
            key.cancel();
        }
        try {
            channel.close();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "closing " + localAddress, e);
        }
    }
}
