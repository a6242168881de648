package dev.isthmus.protocol.mqtt.codec;

/**
 * The protocol versions a CONNECT can ask for, by protocol level and protocol name.
 *
 * <p>{@link #V3_1_1} (level 4, "MQTT") and {@link #V5} (level 5, "MQTT") are spoken.
 * {@link #V3_1} (level 3, "MQIsdp") is recognised only so that a server can refuse it properly:
 * {@link MqttDecoder#decodeConnect} reports {@link ReasonCode#UNSUPPORTED_PROTOCOL_VERSION} for
 * it, which a server answers with a 3.1.1-style CONNACK carrying return code 0x01 (the 3.1
 * CONNACK has the same four bytes) and closes. Encoders and views refuse {@code V3_1}.
 */
public enum MqttVersion {
    V3_1(3, "MQIsdp", false),
    V3_1_1(4, "MQTT", true),
    V5(5, "MQTT", true);

    private final int level;
    private final String protocolName;
    private final boolean supported;

    MqttVersion(int level, String protocolName, boolean supported) {
        this.level = level;
        this.protocolName = protocolName;
        this.supported = supported;
    }

    /** The protocol level byte of CONNECT. */
    public int level() {
        return level;
    }

    /** The protocol name CONNECT must carry with this level. */
    public String protocolName() {
        return protocolName;
    }

    /** Whether the codec speaks this version (3.1.1 and 5.0), as opposed to recognising it to refuse it. */
    public boolean supported() {
        return supported;
    }

    /** Whether packets of this version carry properties and reason codes (MQTT 5.0). */
    public boolean hasProperties() {
        return this == V5;
    }

    /** The version of a protocol level byte, or null if no version has that level. */
    public static MqttVersion ofLevel(int level) {
        return switch (level) {
            case 3 -> V3_1;
            case 4 -> V3_1_1;
            case 5 -> V5;
            default -> null;
        };
    }
}
