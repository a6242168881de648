package dev.isthmus.iouring;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.MemorySegment;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/** Converts between {@link InetSocketAddress} and {@code struct sockaddr_in}/{@code sockaddr_in6}. */
final class SocketAddresses {
    /** Room for the larger of the two (sockaddr_in6 is 28 bytes). */
    static final int MAX_SIZE = 32;

    private SocketAddresses() {
    }

    /** The address family to open a socket with for {@code address}. */
    static int family(InetSocketAddress address) {
        return address.getAddress() instanceof Inet4Address ? Libc.AF_INET : Libc.AF_INET6;
    }

    /**
     * Writes {@code address} into {@code into} as the sockaddr of {@code family}.
     *
     * @return its length in bytes
     */
    static int write(InetSocketAddress address, int family, MemorySegment into) {
        into.asSlice(0, MAX_SIZE).fill((byte) 0);
        InetAddress ip = address.getAddress();
        short port = Short.reverseBytes((short) address.getPort());
        into.set(JAVA_SHORT, 0, (short) family);
        into.set(JAVA_SHORT, 2, port);
        byte[] bytes = ip.getAddress();
        if (family == Libc.AF_INET) {
            MemorySegment.copy(bytes, 0, into, JAVA_BYTE, 4, 4);
            return 16;
        }
        if (bytes.length == 4) {
            // An IPv4 address on an IPv6 socket: the mapped form ::ffff:a.b.c.d.
            into.set(JAVA_BYTE, 18, (byte) 0xff);
            into.set(JAVA_BYTE, 19, (byte) 0xff);
            MemorySegment.copy(bytes, 0, into, JAVA_BYTE, 20, 4);
        } else {
            MemorySegment.copy(bytes, 0, into, JAVA_BYTE, 8, 16);
            if (ip instanceof Inet6Address v6) {
                into.set(JAVA_INT, 24, v6.getScopeId());
            }
        }
        return 28;
    }

    /** Reads a sockaddr the kernel filled in, or null for a family this transport does not use. */
    static InetSocketAddress read(MemorySegment from) {
        int family = from.get(JAVA_SHORT, 0);
        int port = Short.toUnsignedInt(Short.reverseBytes(from.get(JAVA_SHORT, 2)));
        try {
            if (family == Libc.AF_INET) {
                byte[] bytes = new byte[4];
                MemorySegment.copy(from, JAVA_BYTE, 4, bytes, 0, 4);
                return new InetSocketAddress(InetAddress.getByAddress(bytes), port);
            }
            if (family == Libc.AF_INET6) {
                byte[] bytes = new byte[16];
                MemorySegment.copy(from, JAVA_BYTE, 8, bytes, 0, 16);
                int scope = from.get(JAVA_INT, 24);
                // getByAddress turns ::ffff:a.b.c.d into the plain IPv4 address, as the JDK reports it.
                InetAddress ip = InetAddress.getByAddress(bytes);
                if (ip instanceof Inet6Address && scope != 0) {
                    ip = Inet6Address.getByAddress(null, bytes, scope);
                }
                return new InetSocketAddress(ip, port);
            }
        } catch (UnknownHostException e) {
            throw new IllegalStateException("kernel returned a malformed address", e);
        }
        return null;
    }
}
