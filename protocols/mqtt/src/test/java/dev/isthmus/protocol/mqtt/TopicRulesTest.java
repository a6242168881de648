package dev.isthmus.protocol.mqtt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.util.HexFormat;
import java.util.List;

import org.junit.jupiter.api.Test;

/** The proxy's topic rules (mosquitto-style ACL patterns) and its PROXY protocol v2 header, byte for byte. */
class TopicRulesTest {
    private static TopicRules.Bound bound(List<String> allow, List<String> deny, String clientId, String user) {
        return TopicRules.of(allow, deny).bind(clientId, user);
    }

    @Test
    void publishTopicsMatchLikeSubscriptions() {
        TopicRules.Bound rules = bound(List.of("devices/%c/#", "users/%u/+"), List.of("devices/%c/config"), "d1", "ann");
        assertTrue(rules.allowsTopic("devices/d1"));
        assertTrue(rules.allowsTopic("devices/d1/temp"));
        assertTrue(rules.allowsTopic("users/ann/inbox"));
        assertFalse(rules.allowsTopic("devices/d1/config"), "denied");
        assertFalse(rules.allowsTopic("devices/d2/temp"), "another client's");
        assertFalse(rules.allowsTopic("users/ann/inbox/x"), "+ is one level");
        assertFalse(rules.allowsTopic("users/bob/inbox"));
    }

    @Test
    void noRulesAllowEverythingAndDenyOnlyListsDenyWhatTheyName() {
        assertTrue(TopicRules.NONE.bind("x", null).allowsTopic("any/thing"));
        TopicRules.Bound rules = bound(List.of(), List.of("secret/#"), "x", null);
        assertTrue(rules.allowsTopic("public/a"));
        assertFalse(rules.allowsTopic("secret/a"));
        assertTrue(rules.allowsFilter("public/#"));
        assertFalse(rules.allowsFilter("#"), "overlaps the denied secret/#");
        assertFalse(rules.allowsFilter("+/a"), "overlaps secret/a");
        assertTrue(rules.allowsFilter("public/+/a"));
    }

    @Test
    void aSubscriptionMustLieInsideAnAllowPattern() {
        TopicRules.Bound rules = bound(List.of("devices/%c/#", "broadcast/+"), List.of(), "d1", null);
        assertTrue(rules.allowsFilter("devices/d1/#"));
        assertTrue(rules.allowsFilter("devices/d1/+/state"));
        assertTrue(rules.allowsFilter("broadcast/all"));
        assertTrue(rules.allowsFilter("broadcast/+"));
        assertTrue(rules.allowsFilter("$share/group/devices/d1/cmd"), "a shared subscription is judged by its filter");
        assertFalse(rules.allowsFilter("devices/+/state"), "wider than the pattern");
        assertFalse(rules.allowsFilter("broadcast/#"), "# is wider than +");
        assertFalse(rules.allowsFilter("#"));
    }

    @Test
    void dollarTopicsAreNotMatchedByLeadingWildcards() {
        TopicRules.Bound rules = bound(List.of("#"), List.of(), "x", null);
        assertTrue(rules.allowsTopic("a/b"));
        assertFalse(rules.allowsTopic("$SYS/broker/load"));
        assertTrue(bound(List.of("$SYS/#"), List.of(), "x", null).allowsTopic("$SYS/broker/load"));
    }

    @Test
    void substitutionsThatCannotBeMadeAllowNothingAndDenyAll() {
        TopicRules rules = TopicRules.of(List.of("users/%u/#"), List.of());
        assertFalse(rules.bind("c", null).allowsTopic("users/null/a"), "no user name: %u never matches");
        assertFalse(rules.bind("c", "+").allowsTopic("users/x/a"), "a wildcard in the user name is not substituted");
        TopicRules deny = TopicRules.of(List.of(), List.of("devices/%c/#"));
        assertFalse(deny.bind("#", null).allowsTopic("anything"), "a deny pattern that cannot apply denies");
        assertTrue(deny.bind("d1", null).allowsTopic("devices/d2/x"));
    }

    @Test
    void badPatternsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> TopicRules.of(List.of("a/#/b"), List.of()));
        assertThrows(IllegalArgumentException.class, () -> TopicRules.of(List.of(), List.of("a+/b")));
        assertThrows(IllegalArgumentException.class, () -> TopicRules.of(List.of(""), List.of()));
    }

    @Test
    void proxyProtocolV2HeaderForIpv4AndIpv6() throws Exception {
        byte[] v4 = ProxyProtocolV2.header(new InetSocketAddress("192.0.2.7", 51000),
                new InetSocketAddress("10.0.0.1", 1883));
        assertEquals("0d0a0d0a000d0a515549540a" + "21" + "11" + "000c" + "c0000207" + "0a000001" + "c738" + "075b",
                HexFormat.of().formatHex(v4));
        byte[] v6 = ProxyProtocolV2.header(new InetSocketAddress("2001:db8::1", 40000),
                new InetSocketAddress("10.0.0.1", 1883));
        assertEquals(16 + 36, v6.length);
        assertEquals(0x21, v6[13], "TCP over IPv6 when the families differ");
        InetSocketAddress[] parsed = ProxyProtocolV2.parse(v6);
        assertEquals(new InetSocketAddress("2001:db8::1", 40000), parsed[0]);
        assertEquals(1883, parsed[1].getPort());
        assertArrayEquals(new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xFF, (byte) 0xFF, 10, 0, 0, 1},
                java.util.Arrays.copyOfRange(v6, 32, 48), "the IPv4 destination, mapped");
    }
}
