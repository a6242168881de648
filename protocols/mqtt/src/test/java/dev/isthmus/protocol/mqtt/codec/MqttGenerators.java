package dev.isthmus.protocol.mqtt.codec;

import static org.quicktheories.generators.SourceDSL.booleans;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

import org.quicktheories.core.Gen;
import org.quicktheories.core.RandomnessSource;

/** QuickTheories generators of valid MQTT field values and packets, for both versions. */
final class MqttGenerators {
    /** Characters of generated strings: ASCII, two- and three-byte UTF-8, a surrogate pair (four bytes). */
    private static final String[] CHARS = {"a", "b", "z", "0", "9", "-", "_", " ", "/", ".", "$", "é", "ß", "€", "中",
        "\uD834\uDD1E", "\u007F", "\u0001", "\uFFFD"};
    private static final String[] LEVEL_CHARS = {"a", "b", "c", "0", "é", "中", " ", "$", "\uD83D\uDE00"};

    private MqttGenerators() {
    }

    static int between(RandomnessSource in, int min, int max) {
        return integers().between(min, max).generate(in);
    }

    static long between(RandomnessSource in, long min, long max) {
        return longs().between(min, max).generate(in);
    }

    static boolean flip(RandomnessSource in) {
        return booleans().all().generate(in);
    }

    static <T> T pick(RandomnessSource in, List<T> items) {
        return items.get(between(in, 0, items.size() - 1));
    }

    /** A valid MQTT string of up to {@code max} characters (code points). */
    static String string(RandomnessSource in, int min, int max) {
        int n = between(in, min, max);
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < n; i++) {
            out.append(CHARS[between(in, 0, CHARS.length - 1)]);
        }
        return out.toString();
    }

    static byte[] bytes(RandomnessSource in, int max) {
        byte[] out = new byte[between(in, 0, max)];
        for (int i = 0; i < out.length; i++) {
            out[i] = (byte) between(in, 0, 255);
        }
        return out;
    }

    private static String level(RandomnessSource in) {
        int n = between(in, 0, 4);
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < n; i++) {
            out.append(LEVEL_CHARS[between(in, 0, LEVEL_CHARS.length - 1)]);
        }
        return out.toString();
    }

    /** A topic name: one to five levels (empty levels included), never empty, no wildcards. */
    static String topicName(RandomnessSource in) {
        int levels = between(in, 1, 5);
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < levels; i++) {
            if (i > 0) {
                out.append('/');
            }
            out.append(level(in));
        }
        return out.isEmpty() ? "t" : out.toString();
    }

    /** A topic filter: levels, '+' levels, maybe a final '#', maybe shared. */
    static String topicFilter(RandomnessSource in) {
        int levels = between(in, 1, 5);
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < levels; i++) {
            if (i > 0) {
                out.append('/');
            }
            int kind = between(in, 0, 5);
            if (kind == 0) {
                out.append('+');
            } else if (kind == 1 && i == levels - 1) {
                out.append('#');
            } else {
                out.append(level(in));
            }
        }
        String filter = out.isEmpty() ? "#" : out.toString();
        if (between(in, 0, 5) == 0) {
            return "$share/" + (flip(in) ? "g" : "group-" + between(in, 0, 99)) + "/" + filter;
        }
        return filter;
    }

    /** Random valid properties for a packet type, or the will properties when {@code type} is null. */
    static MqttProperties properties(RandomnessSource in, PacketType type) {
        MqttProperties.Builder b = MqttProperties.builder();
        for (PropertyId id : PropertyId.values()) {
            boolean allowed = type == null ? id.allowedInWill() : id.allowedIn(type);
            if (!allowed || between(in, 0, 2) == 0) {
                continue;
            }
            switch (id) {
                case USER_PROPERTY -> {
                    int n = between(in, 0, 3);
                    for (int i = 0; i < n; i++) {
                        b.userProperty(string(in, 0, 6), string(in, 0, 6));
                    }
                }
                case SUBSCRIPTION_IDENTIFIER -> {
                    int n = type == PacketType.PUBLISH ? between(in, 1, 3) : 1;
                    for (int i = 0; i < n; i++) {
                        b.subscriptionIdentifier(between(in, 1, flip(in) ? 127 : MqttWire.MAX_VARIABLE_BYTE_INTEGER));
                    }
                }
                case RESPONSE_TOPIC -> b.responseTopic(topicName(in));
                case AUTHENTICATION_DATA -> {
                    b.binary(id, bytes(in, 10));
                    b.authenticationMethod(string(in, 0, 8));
                }
                case PAYLOAD_FORMAT_INDICATOR, REQUEST_PROBLEM_INFORMATION, REQUEST_RESPONSE_INFORMATION, MAXIMUM_QOS,
                     RETAIN_AVAILABLE, WILDCARD_SUBSCRIPTION_AVAILABLE, SUBSCRIPTION_IDENTIFIER_AVAILABLE,
                     SHARED_SUBSCRIPTION_AVAILABLE -> b.integer(id, between(in, 0, 1));
                case RECEIVE_MAXIMUM, TOPIC_ALIAS -> b.integer(id, between(in, 1, 0xFFFF));
                case MAXIMUM_PACKET_SIZE -> b.integer(id, between(in, 1L, 0xFFFF_FFFFL));
                default -> {
                    switch (id.type()) {
                        case TWO_BYTE_INTEGER -> b.integer(id, between(in, 0, 0xFFFF));
                        case FOUR_BYTE_INTEGER -> b.integer(id, between(in, 0L, 0xFFFF_FFFFL));
                        case UTF8_STRING -> b.string(id, string(in, 0, 10));
                        case BINARY_DATA -> b.binary(id, bytes(in, 10));
                        default -> throw new AssertionError(id);
                    }
                }
            }
        }
        return b.build();
    }

    private static MqttProperties propertiesFor(RandomnessSource in, MqttVersion version, PacketType type) {
        return version == MqttVersion.V5 ? properties(in, type) : MqttProperties.EMPTY;
    }

    static Gen<MqttVersion> versions() {
        return in -> flip(in) ? MqttVersion.V5 : MqttVersion.V3_1_1;
    }

    static ConnectPacket connect(RandomnessSource in, MqttVersion version) {
        Will will = null;
        if (flip(in)) {
            will = new Will(topicName(in), bytes(in, 20), between(in, 0, 2), flip(in), propertiesFor(in, version, null));
        }
        String userName = flip(in) ? string(in, 0, 8) : null;
        byte[] password = (version == MqttVersion.V5 || userName != null) && flip(in) ? bytes(in, 12) : null;
        return new ConnectPacket(version, flip(in), between(in, 0, 0xFFFF), string(in, 0, 23), will, userName,
                password, propertiesFor(in, version, PacketType.CONNECT));
    }

    private static final List<ReasonCode> V3_CONNACK = List.of(ReasonCode.SUCCESS,
            ReasonCode.UNSUPPORTED_PROTOCOL_VERSION, ReasonCode.CLIENT_IDENTIFIER_NOT_VALID,
            ReasonCode.SERVER_UNAVAILABLE, ReasonCode.BAD_USER_NAME_OR_PASSWORD, ReasonCode.NOT_AUTHORIZED);
    private static final List<ReasonCode> V3_SUBACK = List.of(ReasonCode.GRANTED_QOS_0, ReasonCode.GRANTED_QOS_1,
            ReasonCode.GRANTED_QOS_2, ReasonCode.UNSPECIFIED_ERROR);

    static List<ReasonCode> codesOf(PacketType type) {
        List<ReasonCode> out = new ArrayList<>();
        for (ReasonCode code : ReasonCode.values()) {
            if (code.allowedIn(type)) {
                out.add(code);
            }
        }
        return out;
    }

    /** Any packet that decodes to a record, valid for {@code version}. */
    static MqttPacket packet(RandomnessSource in, MqttVersion version) {
        boolean v5 = version == MqttVersion.V5;
        int kind = between(in, 0, v5 ? 9 : 8);
        return switch (kind) {
            case 0 -> connect(in, version);
            case 1 -> {
                ReasonCode code = pick(in, v5 ? codesOf(PacketType.CONNACK) : V3_CONNACK);
                yield new ConnackPacket(code == ReasonCode.SUCCESS && flip(in), code,
                        propertiesFor(in, version, PacketType.CONNACK));
            }
            case 2 -> {
                List<Subscription> subs = new ArrayList<>();
                int n = between(in, 1, 4);
                for (int i = 0; i < n; i++) {
                    String filter = topicFilter(in);
                    subs.add(v5 ? new Subscription(filter, between(in, 0, 2),
                            !filter.startsWith("$share/") && flip(in), flip(in), between(in, 0, 2))
                            : Subscription.of(filter, between(in, 0, 2)));
                }
                yield new SubscribePacket(between(in, 1, 0xFFFF), subs, propertiesFor(in, version, PacketType.SUBSCRIBE));
            }
            case 3 -> {
                List<ReasonCode> codes = new ArrayList<>();
                int n = between(in, 1, 4);
                for (int i = 0; i < n; i++) {
                    codes.add(pick(in, v5 ? codesOf(PacketType.SUBACK) : V3_SUBACK));
                }
                yield new SubackPacket(between(in, 1, 0xFFFF), codes, propertiesFor(in, version, PacketType.SUBACK));
            }
            case 4 -> {
                List<String> filters = new ArrayList<>();
                int n = between(in, 1, 4);
                for (int i = 0; i < n; i++) {
                    filters.add(topicFilter(in));
                }
                yield new UnsubscribePacket(between(in, 1, 0xFFFF), filters,
                        propertiesFor(in, version, PacketType.UNSUBSCRIBE));
            }
            case 5 -> {
                List<ReasonCode> codes = new ArrayList<>();
                int n = v5 ? between(in, 1, 4) : 0;
                for (int i = 0; i < n; i++) {
                    codes.add(pick(in, codesOf(PacketType.UNSUBACK)));
                }
                yield new UnsubackPacket(between(in, 1, 0xFFFF), codes, propertiesFor(in, version, PacketType.UNSUBACK));
            }
            case 6 -> flip(in) ? PingreqPacket.INSTANCE : PingrespPacket.INSTANCE;
            case 7, 8 -> v5 ? new DisconnectPacket(pick(in, codesOf(PacketType.DISCONNECT)),
                    propertiesFor(in, version, PacketType.DISCONNECT)) : DisconnectPacket.NORMAL;
            default -> new AuthPacket(pick(in, codesOf(PacketType.AUTH)), properties(in, PacketType.AUTH));
        };
    }

    /** A PUBLISH as the test describes it, independently of the encoder. */
    record Publish(MqttVersion version, boolean dup, int qos, boolean retain, String topic, int packetId,
                   int payloadFormatIndicator, long messageExpiryInterval, int topicAlias, String responseTopic,
                   byte[] correlationData, String contentType, List<UserProperty> userProperties,
                   List<Integer> subscriptionIdentifiers, byte[] payload) {
        byte[] topicBytes() {
            return topic.getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public String toString() {
            return "Publish[" + version + " dup=" + dup + " qos=" + qos + " retain=" + retain + " topic=" + topic
                    + " id=" + packetId + " pfi=" + payloadFormatIndicator + " expiry=" + messageExpiryInterval
                    + " alias=" + topicAlias + " response=" + responseTopic + " correlation="
                    + (correlationData == null ? null : Hex.of(correlationData)) + " contentType=" + contentType
                    + " user=" + userProperties + " subIds=" + subscriptionIdentifiers + " payload="
                    + Hex.of(payload) + "]";
        }
    }

    static Gen<Publish> publishes() {
        return in -> {
            MqttVersion version = versions().generate(in);
            boolean v5 = version == MqttVersion.V5;
            int qos = between(in, 0, 2);
            int alias = v5 && flip(in) ? between(in, 1, 0xFFFF) : 0;
            String topic = alias > 0 && flip(in) ? "" : topicName(in);
            List<UserProperty> users = new ArrayList<>();
            List<Integer> ids = new ArrayList<>();
            if (v5) {
                int n = between(in, 0, 3);
                for (int i = 0; i < n; i++) {
                    users.add(new UserProperty(string(in, 0, 6), string(in, 0, 6)));
                }
                n = between(in, 0, 3);
                for (int i = 0; i < n; i++) {
                    ids.add(between(in, 1, MqttWire.MAX_VARIABLE_BYTE_INTEGER));
                }
            }
            return new Publish(version, qos > 0 && flip(in), qos, flip(in), topic, qos > 0 ? between(in, 1, 0xFFFF) : 0,
                    v5 && flip(in) ? between(in, 0, 1) : -1,
                    v5 && flip(in) ? between(in, 0L, 0xFFFF_FFFFL) : -1,
                    alias,
                    v5 && flip(in) ? topicName(in) : null,
                    v5 && flip(in) ? bytes(in, 16) : null,
                    v5 && flip(in) ? string(in, 0, 12) : null,
                    users, ids, bytes(in, flip(in) ? 40 : 2000));
        };
    }

    /** Sizes of up to {@code max} random pieces covering {@code length} bytes (empty pieces included). */
    static List<Integer> pieces(RandomnessSource in, int length, int max) {
        TreeSet<Integer> cuts = new TreeSet<>();
        int count = between(in, 0, max);
        for (int i = 0; i < count && length > 0; i++) {
            cuts.add(between(in, 0, length));
        }
        List<Integer> sizes = new ArrayList<>();
        int previous = 0;
        for (int cut : cuts) {
            sizes.add(cut - previous);
            previous = cut;
        }
        sizes.add(length - previous);
        return sizes;
    }
}
