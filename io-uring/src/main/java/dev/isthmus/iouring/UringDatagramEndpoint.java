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
final class UringDatagramEndpoint extends UringDriver.Completer implements DatagramEndpoint {
    private static final System.Logger LOG = System.getLogger(UringDatagramEndpoint.class.getName());
    /** Datagrams read per turn of the loop, so one busy socket cannot starve the loop's others. */
    private static final int RECEIVES_PER_TURN = 64;
    private static final int MAX_DATAGRAM = 65_536;

    private final UringDriver driver;
    private final int fd;
    private final DatagramHandler handler;
    private final InetSocketAddress localAddress;
    private final MemorySegment received;
    private final UnsafeBuffer receivedView;
    private final MemorySegment outgoing;
    private final UnsafeBuffer outgoingView;
    private final MemorySegment senderAddress;
    private final MemorySegment senderLength;
    private final MemorySegment recipientAddress;
    private final Runnable drainTask = this::drain;
    private boolean polling;
    private boolean closed;
    private boolean descriptorClosed;
    private long dropped;

    private UringDatagramEndpoint(UringDriver driver, int fd, DatagramHandler handler, InetSocketAddress localAddress,
                                  Arena arena) {
        this.driver = driver;
        this.fd = fd;
        this.handler = handler;
        this.localAddress = localAddress;
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
        if (address.isUnresolved()) {
            throw new IOException("unresolved address " + address);
        }
        int family = SocketAddresses.family(address);
        int fd = Libc.socket(driver.errno, family, Libc.SOCK_DGRAM | Libc.SOCK_NONBLOCK | Libc.SOCK_CLOEXEC, 0);
        if (fd < 0) {
            throw new NativeException("socket", Libc.errno(driver.errno));
        }
        UringDriver.NativeScratch scratch = driver.scratch();
        try {
            UringConnection.Sockets.setInt(driver, fd, Libc.SOL_SOCKET, Libc.SO_REUSEADDR, 1);
            if (reusePort) {
                UringConnection.Sockets.setInt(driver, fd, Libc.SOL_SOCKET, Libc.SO_REUSEPORT, 1);
            }
            int length = SocketAddresses.write(address, family, scratch.sockaddr());
            if (Libc.bind(driver.errno, fd, scratch.sockaddr(), length) < 0) {
                throw new NativeException("bind to " + address, Libc.errno(driver.errno));
            }
            InetSocketAddress bound = UringConnection.Sockets.address(driver, fd, false);
            UringDatagramEndpoint endpoint = new UringDatagramEndpoint(driver, fd, handler, bound, arena);
            driver.register(endpoint);
            endpoint.arm();
            return endpoint;
        } catch (IOException | RuntimeException e) {
            Libc.close(driver.errno, fd);
            throw e;
        } finally {
            driver.recycle(scratch);
        }
    }

    private void arm() {
        long sqe = driver.sqe();
        driver.ring.prepare(sqe, Ring.OP_POLL_ADD, fd, 0, Ring.IORING_POLL_ADD_MULTI, 0,
                userData(UringDriver.T_POLL));
        driver.ring.setOpFlags(sqe, Ring.POLLIN);
        polling = true;
    }

    @Override
    void complete(int type, int result, int flags) {
        if ((flags & Ring.IORING_CQE_F_MORE) == 0) {
            polling = false;
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
        if (!polling) {
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

    @Override
    public InetSocketAddress localAddress() {
        return localAddress;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (polling) {
            driver.cancel(userData(UringDriver.T_POLL));
        }
        finishCloseIfIdle();
    }

    private void finishCloseIfIdle() {
        if (!polling && !descriptorClosed) {
            descriptorClosed = true;
            driver.closeDescriptor(fd);
            driver.unregister(this);
        }
    }

    @Override
    void abort() {
        close();
    }

    @Override
    void closeDescriptorNow() {
        if (!descriptorClosed) {
            descriptorClosed = true;
            Libc.close(driver.errno, fd);
            driver.unregister(this);
        }
    }
}
