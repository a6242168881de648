package dev.isthmus.protocol.http1;

import static java.nio.charset.StandardCharsets.ISO_8859_1;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Locale;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A WebSocket echo server for tests (RFC 6455, just enough of it): answers the opening
 * handshake with Sec-WebSocket-Accept, unmasks client frames and sends every data frame back
 * unmasked with the same opcode and FIN bit, answers ping with pong and close with close.
 * Handshake requests are recorded as their head text.
 */
final class WebSocketOrigin implements AutoCloseable {
    private static final String GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    private static final int OP_CLOSE = 8;
    private static final int OP_PING = 9;
    private static final int OP_PONG = 10;

    private final OriginListener listener;
    final ConcurrentLinkedQueue<String> handshakes = new ConcurrentLinkedQueue<>();
    final AtomicInteger framesEchoed = new AtomicInteger();
    final AtomicInteger closesReceived = new AtomicInteger();

    WebSocketOrigin() throws IOException {
        listener = new OriginListener(64, this::serve);
    }

    InetSocketAddress address() {
        return listener.address();
    }

    private void serve(Socket socket) throws IOException {
        DataInputStream in = new DataInputStream(new BufferedInputStream(socket.getInputStream()));
        MessageReader reader = new MessageReader(in, false);
        OutputStream out = socket.getOutputStream();
        StringBuilder head = new StringBuilder();
        String key = null;
        for (String line = reader.line(); line != null && !line.isEmpty(); line = reader.line()) {
            head.append(line).append('\n');
            if (line.toLowerCase(Locale.ROOT).startsWith("sec-websocket-key:")) {
                key = line.substring(line.indexOf(':') + 1).trim();
            }
        }
        handshakes.add(head.toString());
        if (key == null) {
            out.write("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".getBytes(ISO_8859_1));
            return;
        }
        out.write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Accept: " + accept(key) + "\r\n\r\n").getBytes(ISO_8859_1));
        out.flush();
        while (true) {
            int first = in.readUnsignedByte();
            int second = in.readUnsignedByte();
            int opcode = first & 0x0f;
            boolean masked = (second & 0x80) != 0;
            long length = second & 0x7f;
            if (length == 126) {
                length = in.readUnsignedShort();
            } else if (length == 127) {
                length = in.readLong();
            }
            byte[] mask = new byte[4];
            if (masked) {
                in.readFully(mask);
            }
            byte[] payload = new byte[Math.toIntExact(length)];
            in.readFully(payload);
            if (masked) {
                for (int i = 0; i < payload.length; i++) {
                    payload[i] ^= mask[i & 3];
                }
            }
            if (opcode == OP_CLOSE) {
                closesReceived.incrementAndGet();
                frame(out, 0x80 | OP_CLOSE, payload);
                return;
            }
            if (opcode == OP_PING) {
                frame(out, 0x80 | OP_PONG, payload);
            } else if (opcode != OP_PONG) {
                frame(out, first, payload);
                framesEchoed.incrementAndGet();
            }
        }
    }

    private static void frame(OutputStream out, int first, byte[] payload) throws IOException {
        ByteArrayOutputStream frame = new ByteArrayOutputStream(payload.length + 10);
        frame.write(first);
        if (payload.length < 126) {
            frame.write(payload.length);
        } else if (payload.length <= 0xffff) {
            frame.write(126);
            frame.write(payload.length >>> 8);
            frame.write(payload.length);
        } else {
            frame.write(127);
            for (int shift = 56; shift >= 0; shift -= 8) {
                frame.write((int) ((long) payload.length >>> shift));
            }
        }
        frame.write(payload);
        out.write(frame.toByteArray());
        out.flush();
    }

    static String accept(String key) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-1").digest((key + GUID).getBytes(ISO_8859_1));
            return Base64.getEncoder().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() throws IOException {
        listener.close();
    }
}
