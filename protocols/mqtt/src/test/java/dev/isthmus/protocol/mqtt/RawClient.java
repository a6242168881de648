package dev.isthmus.protocol.mqtt;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;

/**
 * An MQTT 3.1.1 client of raw bytes, for what real clients will not do on purpose: hold back an
 * acknowledgement, resend a packet with its old identifier after a restart.
 */
final class RawClient implements AutoCloseable {
    private final Socket socket;
    private final InputStream in;

    /** One packet as read: its fixed header byte and the bytes after the remaining length. */
    record Packet(int header, byte[] body) {
        int type() {
            return header >>> 4;
        }

        int packetId() {
            return (body[0] & 0xFF) << 8 | body[1] & 0xFF;
        }

        /** A PUBLISH's topic. */
        String topic() {
            int length = (body[0] & 0xFF) << 8 | body[1] & 0xFF;
            return new String(body, 2, length, UTF_8);
        }

        /** A PUBLISH's packet identifier (QoS 1/2). */
        int publishId() {
            int at = 2 + ((body[0] & 0xFF) << 8 | body[1] & 0xFF);
            return (body[at] & 0xFF) << 8 | body[at + 1] & 0xFF;
        }

        String payload() {
            int at = 2 + ((body[0] & 0xFF) << 8 | body[1] & 0xFF) + (qos() > 0 ? 2 : 0);
            return new String(body, at, body.length - at, UTF_8);
        }

        int qos() {
            return (header >> 1) & 3;
        }

        boolean dup() {
            return (header & 8) != 0;
        }
    }

    static final int PUBLISH = 3;
    static final int PUBACK = 4;
    static final int PUBREC = 5;
    static final int PUBREL = 6;
    static final int PUBCOMP = 7;

    private RawClient(Socket socket) throws IOException {
        this.socket = socket;
        this.in = socket.getInputStream();
    }

    /** Connects and returns once the CONNACK came; {@link #sessionPresent} tells what it said. */
    static RawClient connect(String host, int port, String clientId, boolean cleanSession) throws IOException {
        Socket socket = new Socket(host, port);
        socket.setSoTimeout(10_000);
        RawClient client = new RawClient(socket);
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write(new byte[] {0, 4, 'M', 'Q', 'T', 'T', 4, (byte) (cleanSession ? 0x02 : 0x00), 0, 60});
        client.string(body, clientId);
        client.send(0x10, body.toByteArray());
        Packet connack = client.read();
        if (connack.type() != 2 || connack.body()[1] != 0) {
            throw new IOException("refused: " + java.util.Arrays.toString(connack.body()));
        }
        client.sessionPresent = (connack.body()[0] & 1) != 0;
        return client;
    }

    boolean sessionPresent;

    void subscribe(int packetId, String filter, int qos) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write(packetId >> 8);
        body.write(packetId);
        string(body, filter);
        body.write(qos);
        send(0x82, body.toByteArray());
        Packet suback = read();
        if (suback.type() != 9 || suback.body()[2] != qos) {
            throw new IOException("SUBACK " + java.util.Arrays.toString(suback.body()));
        }
    }

    void publish(String topic, String payload, int qos, int packetId, boolean dup) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        string(body, topic);
        if (qos > 0) {
            body.write(packetId >> 8);
            body.write(packetId);
        }
        body.write(payload.getBytes(UTF_8));
        send(0x30 | qos << 1 | (dup ? 8 : 0), body.toByteArray());
    }

    /** PUBACK, PUBREC, PUBREL (flags 0010) or PUBCOMP for {@code packetId}. */
    void ack(int type, int packetId) throws IOException {
        send(type << 4 | (type == PUBREL ? 2 : 0), new byte[] {(byte) (packetId >> 8), (byte) packetId});
    }

    /** The next packet; fails when none comes within 10 s. */
    Packet read() throws IOException {
        int header = in.read();
        if (header < 0) {
            throw new IOException("closed by the broker");
        }
        int length = 0;
        int shift = 0;
        int b;
        do {
            b = in.read();
            length |= (b & 0x7F) << shift;
            shift += 7;
        } while ((b & 0x80) != 0);
        return new Packet(header, in.readNBytes(length));
    }

    /** The next packet, which must be {@code type}. */
    Packet expect(int type) throws IOException {
        Packet packet = read();
        if (packet.type() != type) {
            throw new IOException("expected packet type " + type + ", got " + packet.type());
        }
        return packet;
    }

    void setReadTimeout(int millis) throws IOException {
        socket.setSoTimeout(millis);
    }

    void disconnect() throws IOException {
        send(0xE0, new byte[0]);
        close();
    }

    private void string(ByteArrayOutputStream out, String value) {
        byte[] bytes = value.getBytes(UTF_8);
        out.write(bytes.length >> 8);
        out.write(bytes.length);
        out.writeBytes(bytes);
    }

    private void send(int header, byte[] body) throws IOException {
        ByteArrayOutputStream packet = new ByteArrayOutputStream();
        packet.write(header);
        int length = body.length;
        do {
            int digit = length & 0x7F;
            length >>>= 7;
            packet.write(length > 0 ? digit | 0x80 : digit);
        } while (length > 0);
        packet.writeBytes(body);
        socket.getOutputStream().write(packet.toByteArray());
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
