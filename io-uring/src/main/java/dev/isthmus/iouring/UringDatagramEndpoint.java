package dev.isthmus.iouring;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;

import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import dev.isthmus.core.transport.DatagramEndpoint;
import dev.isthmus.core.transport.DatagramHandler;

/**
 * A UDP socket of one io_uring loop: a multishot poll in the ring says when datagrams are
 * there, and they are read with non-blocking {@code recvfrom} until none is left; sends are
 * non-blocking {@code sendto} calls (a full send buffer drops the datagram, as UDP may). A
 * readiness poll rather than a receive per datagram keeps one receive buffer for the socket,
 * however many datagrams come.
 */
final class UringDatagramEndpoint extends UringMultishotSocket implements DatagramEndpoint {
    private static final System.Logger LOG = System.getLogger(UringDatagramEndpoint.class.getName());
    /** Datagrams read per turn of the loop, so one busy socket cannot starve the loop's others. */
    private static final int RECEIVES_PER_TURN = 64;
    private static final int MAX_DATAGRAM = 65_536;

    private final DatagramHandler handler;
    private final MemorySegment received;
    private final UnsafeBuffer receivedView;
    private final MemorySegment outgoing;
    private final UnsafeBuffer outgoingView;
    private final MemorySegment senderAddress;
    private final MemorySegment senderLength;
    private final MemorySegment recipientAddress;
    private final Runnable drainTask = this::drain;
    private long dropped;

    private UringDatagramEndpoint(UringDriver driver, int fd, DatagramHandler handler, Arena arena) throws IOException {
        super(driver, fd, UringDriver.T_POLL);
        this.handler = handler;
        this.received = arena.allocate(MAX_DATAGRAM, 64);
        this.receivedView = new UnsafeBuffer(received.address(), MAX_DATAGRAM);
        this.outgoing = arena.allocate(MAX_DATAGRAM, 64);
        this.outgoingView = new UnsafeBuffer(outgoing.address(), MAX_DATAGRAM);
        this.senderAddress = arena.allocate(SocketAddresses.MAX_SIZE, 8);
        this.senderLength = arena.allocate(4, 4);
        this.recipientAddress = arena.allocate(SocketAddresses.MAX_SIZE, 8);
    }

    static UringDatagramEndpoint open(UringDriver driver, InetSocketAddress address, boolean reusePort,
                                      DatagramHandler handler, Arena arena) throws IOException {
        int fd = bind(driver, address, Libc.SOCK_DGRAM | Libc.SOCK_NONBLOCK | Libc.SOCK_CLOEXEC, reusePort);
        try {
            UringDatagramEndpoint endpoint = new UringDatagramEndpoint(driver, fd, handler, arena);
            endpoint.start();
            return endpoint;
        } catch (IOException | RuntimeException e) {
            Libc.close(driver.errno, fd);
            throw e;
        }
    }

    @Override
    void arm() {
        long sqe = driver.sqe();
        driver.ring.prepare(sqe, Ring.OP_POLL_ADD, fd, 0, Ring.IORING_POLL_ADD_MULTI, 0,
                userData(UringDriver.T_POLL));
        driver.ring.setOpFlags(sqe, Ring.POLLIN);
        armed = true;
    }

    @Override
    void complete(int type, int result, int flags) {
        if ((flags & Ring.IORING_CQE_F_MORE) == 0) {
            armed = false;
        }
        if (closed) {
            finishCloseIfIdle();
            return;
        }
        if (result > 0) {
            drain();
        } else if (result < 0 && result != -Errno.ECANCELED) {
            LOG.log(System.Logger.Level.WARNING, "poll on UDP " + localAddress + " failed: "
                    + new NativeException("poll", -result).getMessage());
        }
        if (!armed) {
            arm();
        }
    }

    /** Reads what has arrived, up to a batch; the poll fires only for new arrivals, so a full batch asks for another turn. */
    private void drain() {
        if (closed) {
            return;
        }
        for (int i = 0; i < RECEIVES_PER_TURN; i++) {
            senderLength.set(JAVA_INT, 0, SocketAddresses.MAX_SIZE);
            long length = Libc.recvfrom(driver.errno, fd, received, MAX_DATAGRAM, Libc.MSG_DONTWAIT, senderAddress,
                    senderLength);
            if (length < 0) {
                int errno = Libc.errno(driver.errno);
                if (errno == Errno.EAGAIN || errno == Errno.EINTR) {
                    return;
                }
                // An ICMP error for an earlier send (port unreachable) is reported here: go on.
                LOG.log(System.Logger.Level.DEBUG, "recvfrom on " + localAddress + ": errno " + errno);
                continue;
            }
            InetSocketAddress sender = SocketAddresses.read(senderAddress);
            if (sender == null) {
                continue;
            }
            try {
                handler.onDatagram(this, receivedView, 0, (int) length, sender);
            } catch (Throwable t) {
                driver.loop.uncaught(t, "datagram from " + sender);
            }
            if (closed) {
                return;
            }
        }
        driver.loop.execute(drainTask);
    }

    @Override
    public MutableDirectBuffer sendBuffer() {
        return outgoingView;
    }

    @Override
    public boolean send(int length, InetSocketAddress recipient) {
        if (closed || length < 0 || length > MAX_DATAGRAM) {
            dropped++;
            return false;
        }
        int addressLength = SocketAddresses.write(recipient, SocketAddresses.family(localAddress), recipientAddress);
        long sent = Libc.sendto(driver.errno, fd, outgoing, length, Libc.MSG_DONTWAIT, recipientAddress,
                addressLength);
        if (sent == length) {
            return true;
        }
        if (sent < 0) {
            LOG.log(System.Logger.Level.DEBUG, "sendto " + recipient + " from " + localAddress + ": errno "
                    + Libc.errno(driver.errno));
        }
        dropped++;
        return false;
    }

    @Override
    public long dropped() {
        return dropped;
    }
}
