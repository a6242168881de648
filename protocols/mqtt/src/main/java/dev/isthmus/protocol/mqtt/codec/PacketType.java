package dev.isthmus.protocol.mqtt.codec;

/**
 * The fifteen MQTT control packet types (the high nibble of the fixed header byte), with the
 * flag bits (low nibble) each one must carry. PUBLISH alone uses its flags (DUP, QoS, RETAIN);
 * PUBREL, SUBSCRIBE and UNSUBSCRIBE must carry {@code 0010}, every other type {@code 0000}
 * (MQTT 3.1.1 §2.2.2, MQTT 5.0 §2.1.3). AUTH exists in MQTT 5.0 only; value 0 is reserved in
 * both versions and has no constant here.
 */
public enum PacketType {
    CONNECT(1, 0),
    CONNACK(2, 0),
    PUBLISH(3, -1),
    PUBACK(4, 0),
    PUBREC(5, 0),
    PUBREL(6, 2),
    PUBCOMP(7, 0),
    SUBSCRIBE(8, 2),
    SUBACK(9, 0),
    UNSUBSCRIBE(10, 2),
    UNSUBACK(11, 0),
    PINGREQ(12, 0),
    PINGRESP(13, 0),
    DISCONNECT(14, 0),
    AUTH(15, 0);

    private static final PacketType[] BY_VALUE = new PacketType[16];

    static {
        for (PacketType type : values()) {
            BY_VALUE[type.value] = type;
        }
    }

    private final int value;
    private final int requiredFlags;

    PacketType(int value, int requiredFlags) {
        this.value = value;
        this.requiredFlags = requiredFlags;
    }

    /** The 4-bit type as written in the high nibble of the fixed header. */
    public int value() {
        return value;
    }

    /** The low nibble this type must carry, or -1 for PUBLISH, whose flags are variable. */
    public int requiredFlags() {
        return requiredFlags;
    }

    /** The fixed header byte of this type with its required flags (PUBLISH: with no flags set). */
    public int fixedHeader() {
        return (value << 4) | Math.max(requiredFlags, 0);
    }

    /** Whether the low nibble of {@code fixedHeader} is what this type requires (always true for PUBLISH). */
    public boolean flagsValid(int fixedHeader) {
        return requiredFlags < 0 || (fixedHeader & 0x0F) == requiredFlags;
    }

    /** The type of a fixed header byte, or null for the reserved type 0. Only the low 8 bits are read. */
    public static PacketType of(int fixedHeader) {
        return BY_VALUE[(fixedHeader >>> 4) & 0x0F];
    }

    /** The type with this 4-bit value, or null for 0 and values outside 1..15. */
    public static PacketType ofValue(int value) {
        return value >= 0 && value < 16 ? BY_VALUE[value] : null;
    }
}
