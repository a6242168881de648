package dev.isthmus.protocol.mqtt.codec;

import static dev.isthmus.protocol.mqtt.codec.MqttVersion.V3_1_1;
import static dev.isthmus.protocol.mqtt.codec.MqttVersion.V5;
import static dev.isthmus.protocol.mqtt.codec.ReasonCode.MALFORMED_PACKET;
import static dev.isthmus.protocol.mqtt.codec.ReasonCode.PROTOCOL_ERROR;
import static dev.isthmus.protocol.mqtt.codec.ReasonCode.SUCCESS;
import static dev.isthmus.protocol.mqtt.codec.ReasonCode.TOPIC_FILTER_INVALID;
import static dev.isthmus.protocol.mqtt.codec.ReasonCode.TOPIC_NAME_INVALID;
import static dev.isthmus.protocol.mqtt.codec.ReasonCode.UNSUPPORTED_PROTOCOL_VERSION;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Hand-written packets for the validation rules of MQTT 3.1.1 and 5.0, one rule per vector, each
 * with the reason code the decoder must give. Bodies are written in hex (with 'quoted' ASCII);
 * the fixed header byte is given and the remaining length computed, so each vector states only
 * what it tests.
 */
class SpecVectorsTest {
    private static final List<Arguments> VECTORS = new ArrayList<>();

    private static void v(String rule, MqttVersion version, int header, String body, ReasonCode expected) {
        VECTORS.add(Arguments.of(rule, version, header, body, expected));
    }

    private static void both(String rule, int header, String v3Body, String v5Body, ReasonCode expected) {
        v(rule + " (3.1.1)", V3_1_1, header, v3Body, expected);
        v(rule + " (5.0)", V5, header, v5Body, expected);
    }

    static {
        // Fixed-header flags (MQTT 5.0 §2.1.3): malformed when the reserved bits are wrong.
        both("PUBACK flags 0010", 0x42, "00 01", "00 01", MALFORMED_PACKET);
        both("PUBREL flags 0000", 0x60, "00 01", "00 01", MALFORMED_PACKET);
        both("PUBREL flags 0010", 0x62, "00 01", "00 01", SUCCESS);
        both("SUBSCRIBE flags 0000", 0x80, "00 01 00 01 'a' 00", "00 01 00 00 01 'a' 00", MALFORMED_PACKET);
        both("SUBSCRIBE flags 0010", 0x82, "00 01 00 01 'a' 00", "00 01 00 00 01 'a' 00", SUCCESS);
        both("UNSUBSCRIBE flags 0000", 0xA0, "00 01 00 01 'a'", "00 01 00 00 01 'a'", MALFORMED_PACKET);
        both("PINGREQ flags 0001", 0xC1, "", "", MALFORMED_PACKET);
        both("CONNACK flags 0001", 0x21, "00 00", "00 00 00", MALFORMED_PACKET);
        both("DISCONNECT flags 1000", 0xE8, "", "", MALFORMED_PACKET);
        both("reserved packet type 0", 0x00, "", "", MALFORMED_PACKET);
        v("AUTH does not exist in 3.1.1", V3_1_1, 0xF0, "", MALFORMED_PACKET);

        // PUBLISH (§3.3).
        both("QoS 3", 0x36, "00 01 'a' 00 01", "00 01 'a' 00 01 00", MALFORMED_PACKET);
        both("DUP on QoS 0", 0x38, "00 01 'a'", "00 01 'a' 00", MALFORMED_PACKET);
        both("DUP on QoS 1", 0x3A, "00 01 'a' 00 01", "00 01 'a' 00 01 00", SUCCESS);
        both("packet identifier 0", 0x32, "00 01 'a' 00 00", "00 01 'a' 00 00 00", PROTOCOL_ERROR);
        both("QoS 1 without packet identifier", 0x32, "00 01 'a' 00", "00 01 'a' 00", MALFORMED_PACKET);
        both("'+' in a topic name", 0x30, "00 03 'a/+'", "00 03 'a/+' 00", TOPIC_NAME_INVALID);
        both("'#' in a topic name", 0x30, "00 03 'a/#' 'x'", "00 03 'a/#' 00", TOPIC_NAME_INVALID);
        both("U+0000 in a topic name", 0x30, "00 03 61 00 62", "00 03 61 00 62 00", MALFORMED_PACKET);
        both("surrogate U+D800 in a topic name", 0x30, "00 03 ED A0 80", "00 03 ED A0 80 00", MALFORMED_PACKET);
        both("overlong '/' in a topic name", 0x30, "00 02 C0 AF", "00 02 C0 AF 00", MALFORMED_PACKET);
        both("byte F5 in a topic name", 0x30, "00 04 F5 80 80 80", "00 04 F5 80 80 80 00", MALFORMED_PACKET);
        both("truncated UTF-8 sequence", 0x30, "00 01 C3", "00 01 C3 00", MALFORMED_PACKET);
        both("stray continuation byte", 0x30, "00 02 'a' 80", "00 02 'a' 80 00", MALFORMED_PACKET);
        both("four-byte UTF-8 and U+FFFF accepted", 0x30, "00 07 F0 9D 84 9E EF BF BF", "00 07 F0 9D 84 9E EF BF BF 00",
                SUCCESS);
        both("above U+10FFFF", 0x30, "00 04 F4 90 80 80", "00 04 F4 90 80 80 00", MALFORMED_PACKET);
        both("topic length overruns the packet", 0x30, "00 05 'ab'", "00 05 'ab'", MALFORMED_PACKET);
        both("body shorter than a topic length", 0x30, "00", "00", MALFORMED_PACKET);
        v("empty topic in 3.1.1", V3_1_1, 0x30, "00 00 'x'", TOPIC_NAME_INVALID);
        v("empty topic without alias", V5, 0x30, "00 00 00 'x'", PROTOCOL_ERROR);
        v("empty topic with alias", V5, 0x30, "00 00 03 23 00 05 'x'", SUCCESS);
        v("topic alias 0", V5, 0x30, "00 01 'a' 03 23 00 00", PROTOCOL_ERROR);
        v("topic alias twice", V5, 0x30, "00 01 'a' 06 23 00 01 23 00 02", PROTOCOL_ERROR);
        v("two subscription identifiers", V5, 0x30, "00 01 'a' 04 0B 01 0B 02", SUCCESS);
        v("subscription identifier 0", V5, 0x30, "00 01 'a' 02 0B 00", PROTOCOL_ERROR);
        v("variable byte integer of five bytes", V5, 0x30, "00 01 'a' 06 0B 80 80 80 80 01", MALFORMED_PACKET);
        v("variable byte integer longer than needed", V5, 0x30, "00 01 'a' 03 0B 81 00", MALFORMED_PACKET);
        v("largest subscription identifier", V5, 0x30, "00 01 'a' 05 0B FF FF FF 7F", SUCCESS);
        v("payload format indicator 2", V5, 0x30, "00 01 'a' 02 01 02", PROTOCOL_ERROR);
        v("payload format indicator twice", V5, 0x30, "00 01 'a' 04 01 01 01 01", PROTOCOL_ERROR);
        v("content type twice", V5, 0x30, "00 01 'a' 08 03 00 01 'x' 03 00 01 'y'", PROTOCOL_ERROR);
        v("session expiry is not a PUBLISH property", V5, 0x30, "00 01 'a' 05 11 00 00 00 01", MALFORMED_PACKET);
        v("unknown property 0x7F", V5, 0x30, "00 01 'a' 02 7F 00", MALFORMED_PACKET);
        v("unknown property 0x00", V5, 0x30, "00 01 'a' 02 00 00", MALFORMED_PACKET);
        v("property length overruns the packet", V5, 0x30, "00 01 'a' 09 01 00", MALFORMED_PACKET);
        v("property value overruns the property length", V5, 0x30, "00 01 'a' 02 02 00 00 00 00", MALFORMED_PACKET);
        v("string property overruns", V5, 0x30, "00 01 'a' 04 03 00 05 'x'", MALFORMED_PACKET);
        v("response topic with a wildcard", V5, 0x30, "00 01 'a' 04 08 00 01 '+'", PROTOCOL_ERROR);
        v("empty response topic", V5, 0x30, "00 01 'a' 03 08 00 00", PROTOCOL_ERROR);
        v("user property name not UTF-8", V5, 0x30, "00 01 'a' 07 26 00 01 FF 00 01 'v'", MALFORMED_PACKET);
        v("user property value with U+0000", V5, 0x30, "00 01 'a' 07 26 00 01 'k' 00 01 00", MALFORMED_PACKET);
        v("user property repeated", V5, 0x30, "00 01 'a' 0A 26 00 00 00 00 26 00 00 00 00", SUCCESS);
        v("correlation data is binary", V5, 0x30, "00 01 'a' 05 09 00 02 FF 00", SUCCESS);
        v("every PUBLISH property", V5, 0x34,
                "00 01 'a' 00 09 21 01 01 02 00 00 00 3C 03 00 01 't' 08 00 01 'r' 09 00 01 00 0B 01 23 00 01"
                        + " 26 00 01 'k' 00 01 'v' 0B 02 'pay'", SUCCESS);

        // PUBACK, PUBREC, PUBREL, PUBCOMP (§3.4-3.7).
        v("3.1.1 PUBACK of three bytes", V3_1_1, 0x40, "00 01 00", MALFORMED_PACKET);
        both("PUBACK packet identifier 0", 0x40, "00 00", "00 00", PROTOCOL_ERROR);
        both("PUBACK of one byte", 0x40, "00", "00", MALFORMED_PACKET);
        v("PUBACK with PUBREL's reason code", V5, 0x40, "00 01 92", MALFORMED_PACKET);
        v("PUBREL with PUBACK's reason code", V5, 0x62, "00 01 10", MALFORMED_PACKET);
        v("PUBREL packet identifier not found", V5, 0x62, "00 01 92", SUCCESS);
        v("PUBREC quota exceeded", V5, 0x50, "00 01 97 00", SUCCESS);
        v("PUBACK reason string and user property", V5, 0x40, "00 01 10 0C 1F 00 02 'ok' 26 00 01 'k' 00 01 'v'",
                SUCCESS);
        v("PUBCOMP reason string twice", V5, 0x70, "00 01 00 08 1F 00 01 'a' 1F 00 01 'b'", PROTOCOL_ERROR);
        v("topic alias is not a PUBACK property", V5, 0x40, "00 01 00 03 23 00 01", MALFORMED_PACKET);
        v("bytes after PUBACK properties", V5, 0x40, "00 01 00 00 FF", MALFORMED_PACKET);

        // CONNECT (§3.1).
        v("3.1.1 CONNECT", V3_1_1, 0x10, "00 04 'MQTT' 04 02 00 3C 00 01 'a'", SUCCESS);
        v("5.0 CONNECT", V5, 0x10, "00 04 'MQTT' 05 02 00 3C 00 00 01 'a'", SUCCESS);
        v("reserved connect flag", V3_1_1, 0x10, "00 04 'MQTT' 04 03 00 3C 00 01 'a'", MALFORMED_PACKET);
        v("will QoS without will flag", V3_1_1, 0x10, "00 04 'MQTT' 04 0A 00 3C 00 01 'a'", MALFORMED_PACKET);
        v("will retain without will flag", V5, 0x10, "00 04 'MQTT' 05 22 00 3C 00 00 01 'a'", MALFORMED_PACKET);
        v("will QoS 3", V3_1_1, 0x10, "00 04 'MQTT' 04 1E 00 3C 00 01 'a' 00 01 't' 00 00", MALFORMED_PACKET);
        v("will QoS 2 retained", V3_1_1, 0x10, "00 04 'MQTT' 04 36 00 3C 00 01 'a' 00 01 't' 00 02 'xy'", SUCCESS);
        v("password without user name in 3.1.1", V3_1_1, 0x10, "00 04 'MQTT' 04 42 00 3C 00 01 'a' 00 01 'p'",
                MALFORMED_PACKET);
        v("password without user name in 5.0", V5, 0x10, "00 04 'MQTT' 05 42 00 3C 00 00 01 'a' 00 01 'p'", SUCCESS);
        v("user name and password", V3_1_1, 0x10, "00 04 'MQTT' 04 C2 00 3C 00 01 'a' 00 01 'u' 00 01 'p'", SUCCESS);
        v("protocol name MQTX", V3_1_1, 0x10, "00 04 'MQTX' 04 02 00 3C 00 01 'a'", MALFORMED_PACKET);
        v("protocol name mqtt", V3_1_1, 0x10, "00 04 'mqtt' 04 02 00 3C 00 01 'a'", MALFORMED_PACKET);
        v("MQTT 3.1 (MQIsdp, level 3)", V3_1_1, 0x10, "00 06 'MQIsdp' 03 02 00 3C 00 01 'a'",
                UNSUPPORTED_PROTOCOL_VERSION);
        v("protocol level 6", V3_1_1, 0x10, "00 04 'MQTT' 06 02 00 3C 00 01 'a'", UNSUPPORTED_PROTOCOL_VERSION);
        v("MQTT with level 3", V3_1_1, 0x10, "00 04 'MQTT' 03 02 00 3C 00 01 'a'", UNSUPPORTED_PROTOCOL_VERSION);
        v("empty client identifier", V3_1_1, 0x10, "00 04 'MQTT' 04 02 00 3C 00 00", SUCCESS);
        v("client identifier not UTF-8", V3_1_1, 0x10, "00 04 'MQTT' 04 02 00 3C 00 01 FE", MALFORMED_PACKET);
        v("will topic with a wildcard", V3_1_1, 0x10, "00 04 'MQTT' 04 06 00 3C 00 01 'a' 00 01 '#' 00 00",
                TOPIC_NAME_INVALID);
        v("empty will topic", V3_1_1, 0x10, "00 04 'MQTT' 04 06 00 3C 00 01 'a' 00 00 00 00", TOPIC_NAME_INVALID);
        v("missing will payload", V3_1_1, 0x10, "00 04 'MQTT' 04 06 00 3C 00 01 'a' 00 01 't'", MALFORMED_PACKET);
        v("byte after the CONNECT", V3_1_1, 0x10, "00 04 'MQTT' 04 02 00 3C 00 01 'a' 00", MALFORMED_PACKET);
        v("CONNECT cut in the keep alive", V3_1_1, 0x10, "00 04 'MQTT' 04 02 00", MALFORMED_PACKET);
        v("receive maximum 0", V5, 0x10, "00 04 'MQTT' 05 02 00 3C 03 21 00 00 00 01 'a'", PROTOCOL_ERROR);
        v("maximum packet size 0", V5, 0x10, "00 04 'MQTT' 05 02 00 3C 05 27 00 00 00 00 00 01 'a'", PROTOCOL_ERROR);
        v("request problem information 2", V5, 0x10, "00 04 'MQTT' 05 02 00 3C 02 17 02 00 01 'a'", PROTOCOL_ERROR);
        v("request response information 2", V5, 0x10, "00 04 'MQTT' 05 02 00 3C 02 19 02 00 01 'a'", PROTOCOL_ERROR);
        v("session expiry twice", V5, 0x10, "00 04 'MQTT' 05 02 00 3C 0A 11 00 00 00 01 11 00 00 00 02 00 01 'a'",
                PROTOCOL_ERROR);
        v("authentication data without method", V5, 0x10, "00 04 'MQTT' 05 02 00 3C 04 16 00 01 'x' 00 01 'a'",
                PROTOCOL_ERROR);
        v("authentication method and data", V5, 0x10,
                "00 04 'MQTT' 05 02 00 3C 0A 15 00 03 'SCR' 16 00 01 'x' 00 01 'a'", SUCCESS);
        v("will delay interval among CONNECT properties", V5, 0x10,
                "00 04 'MQTT' 05 02 00 3C 05 18 00 00 00 05 00 01 'a'", MALFORMED_PACKET);
        v("topic alias among will properties", V5, 0x10,
                "00 04 'MQTT' 05 06 00 3C 00 00 01 'a' 03 23 00 01 00 01 't' 00 00", MALFORMED_PACKET);
        v("will properties", V5, 0x10,
                "00 04 'MQTT' 05 06 00 3C 00 00 01 'a' 07 18 00 00 00 05 01 01 00 01 't' 00 00", SUCCESS);
        v("CONNECT property length overruns", V5, 0x10, "00 04 'MQTT' 05 02 00 3C 7F 00 01 'a'", MALFORMED_PACKET);

        // CONNACK (§3.2).
        v("3.1.1 CONNACK accepted", V3_1_1, 0x20, "00 00", SUCCESS);
        v("3.1.1 CONNACK reserved flag", V3_1_1, 0x20, "02 00", MALFORMED_PACKET);
        v("3.1.1 CONNACK return code 6", V3_1_1, 0x20, "00 06", MALFORMED_PACKET);
        v("3.1.1 CONNACK session present on refusal", V3_1_1, 0x20, "01 05", PROTOCOL_ERROR);
        v("3.1.1 CONNACK with a third byte", V3_1_1, 0x20, "00 00 00", MALFORMED_PACKET);
        v("5.0 CONNACK", V5, 0x20, "01 00 00", SUCCESS);
        v("5.0 CONNACK without property length", V5, 0x20, "00 00", MALFORMED_PACKET);
        v("5.0 CONNACK with a PUBACK reason code", V5, 0x20, "00 10 00", MALFORMED_PACKET);
        v("maximum QoS 2", V5, 0x20, "00 00 02 24 02", PROTOCOL_ERROR);
        v("retain available 2", V5, 0x20, "00 00 02 25 02", PROTOCOL_ERROR);
        v("shared subscription available 2", V5, 0x20, "00 00 02 2A 02", PROTOCOL_ERROR);
        v("assigned client identifier", V5, 0x20, "00 00 04 12 00 01 'x'", SUCCESS);

        // SUBSCRIBE (§3.8) and topic filters (§4.7, §4.8.2).
        both("SUBSCRIBE without filters", 0x82, "00 01", "00 01 00", PROTOCOL_ERROR);
        both("SUBSCRIBE packet identifier 0", 0x82, "00 00 00 01 'a' 00", "00 00 00 00 01 'a' 00", PROTOCOL_ERROR);
        both("SUBSCRIBE cut before the options", 0x82, "00 01 00 01 'a'", "00 01 00 00 01 'a'", MALFORMED_PACKET);
        for (String good : List.of("#", "+", "a/#", "+/+/#", "/+", "a//b", "+/", "/", "$SYS/#", "a/+/c",
                "$share/g/a/#", "$share/g/#", "$share/g//", "sport/tennis/player1/#")) {
            both("filter " + good, 0x82, filter(good, "00", false), filter(good, "00", true), SUCCESS);
        }
        for (String bad : List.of("", "a/#/b", "a#", "a/b#", "#/", "+a", "a/+b", "a+", "a/b+/c", "$share//a",
                "$share/g", "$share/g/", "$share/g+/a", "$share/g#/a", "$share/+/a")) {
            both("filter '" + bad + "'", 0x82, filter(bad, "00", false), filter(bad, "00", true), TOPIC_FILTER_INVALID);
        }
        both("U+0000 in a filter", 0x82, "00 01 00 03 61 00 62 00", "00 01 00 00 03 61 00 62 00", MALFORMED_PACKET);
        v("3.1.1 requested QoS 3", V3_1_1, 0x82, filter("a", "03", false), MALFORMED_PACKET);
        v("3.1.1 reserved option bits", V3_1_1, 0x82, filter("a", "04", false), MALFORMED_PACKET);
        v("5.0 maximum QoS 3", V5, 0x82, filter("a", "03", true), PROTOCOL_ERROR);
        v("5.0 reserved option bits", V5, 0x82, filter("a", "40", true), MALFORMED_PACKET);
        v("5.0 retain handling 3", V5, 0x82, filter("a", "30", true), PROTOCOL_ERROR);
        v("5.0 every option", V5, 0x82, filter("a", "2E", true), SUCCESS);
        v("no local on a shared subscription", V5, 0x82, filter("$share/g/a", "04", true), PROTOCOL_ERROR);
        v("two subscription identifiers in SUBSCRIBE", V5, 0x82, "00 01 04 0B 01 0B 02 00 01 'a' 00", PROTOCOL_ERROR);
        v("subscription identifier 0 in SUBSCRIBE", V5, 0x82, "00 01 02 0B 00 00 01 'a' 00", PROTOCOL_ERROR);
        v("subscription identifier in SUBSCRIBE", V5, 0x82, "00 01 02 0B 05 00 01 'a' 00", SUCCESS);

        // UNSUBSCRIBE (§3.10).
        both("UNSUBSCRIBE without filters", 0xA2, "00 01", "00 01 00", PROTOCOL_ERROR);
        both("UNSUBSCRIBE invalid filter", 0xA2, "00 01 00 03 'a#b'", "00 01 00 00 03 'a#b'", TOPIC_FILTER_INVALID);
        both("UNSUBSCRIBE two filters", 0xA2, "00 01 00 01 'a' 00 01 '#'", "00 01 00 00 01 'a' 00 01 '#'", SUCCESS);
        v("subscription identifier in UNSUBSCRIBE", V5, 0xA2, "00 01 02 0B 05 00 01 'a'", MALFORMED_PACKET);

        // SUBACK, UNSUBACK (§3.9, §3.11).
        v("3.1.1 SUBACK failure 0x80", V3_1_1, 0x90, "00 01 00 01 02 80", SUCCESS);
        v("3.1.1 SUBACK code 0x87", V3_1_1, 0x90, "00 01 87", MALFORMED_PACKET);
        v("3.1.1 SUBACK code 3", V3_1_1, 0x90, "00 01 03", MALFORMED_PACKET);
        v("5.0 SUBACK not authorized", V5, 0x90, "00 01 00 87", SUCCESS);
        v("5.0 SUBACK with an UNSUBACK code", V5, 0x90, "00 01 00 11", MALFORMED_PACKET);
        both("SUBACK without codes", 0x90, "00 01", "00 01 00", PROTOCOL_ERROR);
        v("3.1.1 UNSUBACK", V3_1_1, 0xB0, "00 01", SUCCESS);
        v("3.1.1 UNSUBACK with a code", V3_1_1, 0xB0, "00 01 00", MALFORMED_PACKET);
        v("5.0 UNSUBACK no subscription existed", V5, 0xB0, "00 01 00 11", SUCCESS);
        v("5.0 UNSUBACK without codes", V5, 0xB0, "00 01 00", PROTOCOL_ERROR);
        v("5.0 UNSUBACK with a SUBACK code", V5, 0xB0, "00 01 00 01", MALFORMED_PACKET);

        // PINGREQ, PINGRESP, DISCONNECT, AUTH (§3.12-3.15).
        both("PINGREQ with a body", 0xC0, "00", "00", MALFORMED_PACKET);
        both("PINGRESP", 0xD0, "", "", SUCCESS);
        v("3.1.1 DISCONNECT with a body", V3_1_1, 0xE0, "00", MALFORMED_PACKET);
        v("5.0 DISCONNECT without body", V5, 0xE0, "", SUCCESS);
        v("5.0 DISCONNECT with will message", V5, 0xE0, "04", SUCCESS);
        v("5.0 DISCONNECT with properties", V5, 0xE0, "00 05 11 00 00 00 01", SUCCESS);
        v("5.0 DISCONNECT with a SUBACK code", V5, 0xE0, "01", MALFORMED_PACKET);
        v("receive maximum in DISCONNECT", V5, 0xE0, "00 03 21 00 01", MALFORMED_PACKET);
        v("bytes after DISCONNECT properties", V5, 0xE0, "00 00 00", MALFORMED_PACKET);
        v("AUTH without body", V5, 0xF0, "", SUCCESS);
        v("AUTH continue", V5, 0xF0, "18 0A 15 00 03 'SCR' 16 00 01 'x'", SUCCESS);
        v("AUTH with a CONNACK code", V5, 0xF0, "05", MALFORMED_PACKET);
        v("AUTH data without method", V5, 0xF0, "18 04 16 00 01 'x'", PROTOCOL_ERROR);
    }

    /** A SUBSCRIBE body with one filter and its options byte. */
    private static String filter(String filter, String options, boolean v5) {
        byte[] utf8 = filter.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        return String.format("00 01 %s %04x %s %s", v5 ? "00" : "", utf8.length, Hex.of(utf8), options);
    }

    static Stream<Arguments> vectors() {
        return VECTORS.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("vectors")
    void ruleGivesItsReasonCode(String rule, MqttVersion version, int header, String body, ReasonCode expected) {
        byte[] bodyBytes = Hex.bytes(body);
        assertEquals(expected, new AnyPacket().decode(version, new Frames.Frame(header, bodyBytes)), rule);
        // The same through a framed stream.
        byte[] packet = frame(header, bodyBytes);
        Frames.Frame framed = Frames.single(packet);
        assertEquals(expected, new AnyPacket().decode(version, framed), rule);
    }

    static byte[] frame(int header, byte[] body) {
        byte[] length = new byte[4];
        int n = 0;
        int v = body.length;
        do {
            int b = v & 0x7F;
            v >>>= 7;
            length[n++] = (byte) (v > 0 ? b | 0x80 : b);
        } while (v > 0);
        byte[] out = new byte[1 + n + body.length];
        out[0] = (byte) header;
        System.arraycopy(length, 0, out, 1, n);
        System.arraycopy(body, 0, out, 1 + n, body.length);
        return out;
    }
}
