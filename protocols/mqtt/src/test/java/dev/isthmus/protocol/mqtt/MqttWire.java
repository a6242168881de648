package dev.isthmus.protocol.mqtt;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.SocketException;

/** Reading MQTT packets off a plain socket, for tests that speak raw bytes. */
final class MqttWire {
    private MqttWire() {}

    /** Reads one whole packet: fixed header, remaining length, body; null at end of stream. */
    static byte[] readPacket(InputStream in) throws IOException {
        ByteArrayOutputStream packet = new ByteArrayOutputStream();
        int header = in.read();
        if (header < 0) {
            return null;
        }
        packet.write(header);
        int length = 0;
        int shift = 0;
        int b;
        do {
            b = in.read();
            packet.write(b);
            length |= (b & 0x7F) << shift;
            shift += 7;
        } while ((b & 0x80) != 0);
        packet.write(in.readNBytes(length));
        return packet.toByteArray();
    }

    /** True once the peer has closed: end of stream (or a reset) comes before any other byte. */
    static boolean closedByPeer(InputStream in) throws IOException {
        try {
            return in.read() < 0;
        } catch (SocketException reset) {
            return true;
        }
    }
}
