package dev.isthmus.protocol.mqtt;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;

/**
 * The binary header of the PROXY protocol, version 2 (HAProxy's proxy-protocol.txt, section
 * 2.2), that tells a broker which device a proxied connection comes from: the 12-byte
 * signature, version 2 with the PROXY command, TCP over IPv4 or IPv6, and the source (the
 * device) and destination (the proxy's listener) addresses and ports. Mixed families are sent
 * as IPv6, the IPv4 side mapped ({@code ::ffff:a.b.c.d}).
 */
public final class ProxyProtocolV2 {
    /** \r\n\r\n\0\r\nQUIT\n */
    static final byte[] SIGNATURE = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};
    private static final int VERSION_PROXY = 0x21;
    private static final int TCP4 = 0x11;
    private static final int TCP6 = 0x21;

    private ProxyProtocolV2() {
    }

    /** The header for a connection from {@code source} to {@code destination}. */
    public static byte[] header(InetSocketAddress source, InetSocketAddress destination) {
        InetAddress from = source.getAddress();
        InetAddress to = destination.getAddress();
        boolean v4 = from instanceof Inet4Address && to instanceof Inet4Address;
        int addressBytes = v4 ? 12 : 36;
        ByteBuffer out = ByteBuffer.allocate(16 + addressBytes);
        out.put(SIGNATURE).put((byte) VERSION_PROXY).put((byte) (v4 ? TCP4 : TCP6)).putShort((short) addressBytes);
        if (v4) {
            out.put(from.getAddress()).put(to.getAddress());
        } else {
            out.put(v6(from)).put(v6(to));
        }
        out.putShort((short) source.getPort()).putShort((short) destination.getPort());
        return out.array();
    }

    private static byte[] v6(InetAddress address) {
        if (address instanceof Inet6Address) {
            return address.getAddress();
        }
        byte[] mapped = new byte[16];
        mapped[10] = (byte) 0xFF;
        mapped[11] = (byte) 0xFF;
        System.arraycopy(address.getAddress(), 0, mapped, 12, 4);
        return mapped;
    }

    /**
     * Reads a header written by {@link #header}: {source, destination}, or null when
     * {@code bytes} does not start with one. For tests and for brokers written in Java.
     */
    public static InetSocketAddress[] parse(byte[] bytes) throws UnknownHostException {
        if (bytes.length < 16) {
            return null;
        }
        for (int i = 0; i < SIGNATURE.length; i++) {
            if (bytes[i] != SIGNATURE[i]) {
                return null;
            }
        }
        ByteBuffer in = ByteBuffer.wrap(bytes, 12, bytes.length - 12);
        if ((in.get() & 0xFF) != VERSION_PROXY) {
            return null;
        }
        int family = in.get() & 0xFF;
        int length = in.getShort() & 0xFFFF;
        int size = family == TCP4 ? 4 : family == TCP6 ? 16 : -1;
        if (size < 0 || length < 2 * size + 4 || bytes.length < 16 + length) {
            return null;
        }
        byte[] from = new byte[size];
        byte[] to = new byte[size];
        in.get(from).get(to);
        int fromPort = in.getShort() & 0xFFFF;
        int toPort = in.getShort() & 0xFFFF;
        return new InetSocketAddress[] {new InetSocketAddress(InetAddress.getByAddress(from), fromPort),
                new InetSocketAddress(InetAddress.getByAddress(to), toPort)};
    }
}
