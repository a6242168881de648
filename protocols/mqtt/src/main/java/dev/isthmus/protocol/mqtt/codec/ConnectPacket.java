package dev.isthmus.protocol.mqtt.codec;

import java.util.Arrays;
import java.util.Objects;

/**
 * CONNECT (MQTT 3.1.1 §3.1, MQTT 5.0 §3.1).
 *
 * <p>The client identifier may be empty: the server then assigns one (5.0), or in 3.1.1 must
 * refuse it with return code 2 unless {@code cleanStart} is set — a session rule left to the
 * server, like keep-alive and session handling. {@code cleanStart} is 3.1.1's Clean Session
 * flag. The password is copied in and out; in 3.1.1 it comes only with a user name.
 * {@link #properties()} holds session expiry, receive maximum, maximum packet size, topic alias
 * maximum, request response/problem information, user properties and the authentication method
 * and data; it is empty in 3.1.1, and the 3.1.1 encoder ignores it.
 *
 * @param keepAlive seconds, 0..65535 (0 turns keep-alive off)
 * @param will      null without a will
 * @param userName  null without a user name
 * @param password  null without a password
 */
public record ConnectPacket(MqttVersion version, boolean cleanStart, int keepAlive, String clientId, Will will,
                            String userName, byte[] password, MqttProperties properties) implements MqttPacket {
    public ConnectPacket {
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(clientId, "clientId");
        Objects.requireNonNull(properties, "properties");
        if (keepAlive < 0 || keepAlive > 0xFFFF) {
            throw new IllegalArgumentException("keep alive " + keepAlive);
        }
        password = password == null ? null : password.clone();
    }

    @Override
    public PacketType type() {
        return PacketType.CONNECT;
    }

    @Override
    public byte[] password() {
        return password == null ? null : password.clone();
    }

    byte[] passwordUnsafe() {
        return password;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ConnectPacket c && version == c.version && cleanStart == c.cleanStart
                && keepAlive == c.keepAlive && clientId.equals(c.clientId) && Objects.equals(will, c.will)
                && Objects.equals(userName, c.userName) && Arrays.equals(password, c.password)
                && properties.equals(c.properties);
    }

    @Override
    public int hashCode() {
        return Objects.hash(version, cleanStart, keepAlive, clientId, will, userName, Arrays.hashCode(password),
                properties);
    }

    @Override
    public String toString() {
        // The password stays out of logs.
        return "ConnectPacket[version=" + version + ", cleanStart=" + cleanStart + ", keepAlive=" + keepAlive
                + ", clientId=" + clientId + ", will=" + will + ", userName=" + userName + ", password="
                + (password == null ? "none" : password.length + " bytes") + ", properties=" + properties + "]";
    }
}
