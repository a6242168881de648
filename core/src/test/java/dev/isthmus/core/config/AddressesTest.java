package dev.isthmus.core.config;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The host:port forms of listen addresses, peers and MQTT upstreams. */
class AddressesTest {
    @Test
    void listenForms() {
        assertEquals(new ListenAddress("10.1.2.3", 8080), ListenAddress.parse("10.1.2.3:8080"));
        assertEquals(new ListenAddress("localhost", 80), ListenAddress.parse("localhost:80"));
        assertEquals(new ListenAddress("0.0.0.0", 8443), ListenAddress.parse(":8443"));
        assertEquals(new ListenAddress("0.0.0.0", 8443), ListenAddress.parse("8443"));
        assertEquals(new ListenAddress("0.0.0.0", 8443), ListenAddress.parse("*:8443"));
        assertEquals(new ListenAddress("::1", 9000), ListenAddress.parse("[::1]:9000"));
        assertEquals(new ListenAddress("::", 9000), ListenAddress.parse("[::]:9000"));
        assertEquals(new ListenAddress("fe80::1%1", 9000), ListenAddress.parse("[fe80::1%1]:9000"));
    }

    @Test
    void listenPortBounds() {
        assertEquals(0, ListenAddress.parse("127.0.0.1:0").port());
        assertEquals(65535, ListenAddress.parse(":65535").port());
        assertEquals("bad address ':65536': port 65536 is above 65535",
                assertThrows(IllegalArgumentException.class, () -> ListenAddress.parse(":65536")).getMessage());
        assertThrows(IllegalArgumentException.class, () -> ListenAddress.parse(":-1"));
        assertThrows(IllegalArgumentException.class, () -> ListenAddress.parse(":123456"));
    }

    @Test
    void listenAddressesThatAreRejected() {
        for (String bad : new String[] {"", ":", "host:", "host", "[::1]", "[::1]8080", "[::1:8080", "[nothost]:80",
                "::1:8080", "a b:80", "host/x:80", "*.example.com:80", "1:2:3"}) {
            assertThrows(IllegalArgumentException.class, () -> ListenAddress.parse(bad), bad);
        }
        assertEquals("bad address '[nothost]:80': 'nothost' is not an IPv6 address",
                assertThrows(IllegalArgumentException.class, () -> ListenAddress.parse("[nothost]:80")).getMessage());
    }

    @Test
    void listenToStringReadsBack() {
        for (String text : new String[] {"0.0.0.0:8080", "127.0.0.1:0", "[::1]:9000", "example.com:80"}) {
            assertEquals(text, ListenAddress.parse(text).toString());
        }
    }

    @Test
    void peerForms() {
        assertEquals(new PeerConfig("10.0.0.1", 8080, 1), PeerConfig.parse("10.0.0.1:8080"));
        assertEquals(new PeerConfig("10.0.0.1", 8080, 3), PeerConfig.parse("10.0.0.1:8080@3"));
        assertEquals(new PeerConfig("::1", 9000, 2), PeerConfig.parse("[::1]:9000@2"));
        assertEquals(new PeerConfig("origin.local", 80, 1000), PeerConfig.parse("origin.local:80@1000"));
    }

    @Test
    void peersThatAreRejected() {
        for (String bad : new String[] {"", "host", "80", ":80", "*:80", "h:0", "h:80@", "h:80@0", "h:80@-1", "h:80@x",
                "h:80@1001", "h:80@99999999999", "h:70000"}) {
            assertThrows(IllegalArgumentException.class, () -> PeerConfig.parse(bad), bad);
        }
        assertEquals("bad peer 'h:80@x': weight 'x' is not a whole number; expected HOST:PORT[@WEIGHT]",
                assertThrows(IllegalArgumentException.class, () -> PeerConfig.parse("h:80@x")).getMessage());
    }

    @Test
    void mqttUpstreamForms() {
        assertEquals(new HostPort("10.0.0.1", 1883), MqttConfig.parseUpstream("10.0.0.1:1883"));
        assertEquals(new HostPort("broker.internal", 8883), MqttConfig.parseUpstream("broker.internal:8883"));
        assertEquals(new HostPort("fd00::1", 1883), MqttConfig.parseUpstream("[fd00::1]:1883"));
        for (String text : new String[] {"10.0.0.1:1883", "broker.internal:8883", "[fd00::1]:1883"}) {
            assertEquals(text, MqttConfig.parseUpstream(text).toString());
        }
        assertEquals(":1883", new HostPort(null, 1883).toString());
    }

    @Test
    void mqttUpstreamsThatAreRejected() {
        for (String bad : new String[] {"", "broker", "1883", ":1883", "*:1883", "b:0", "b:70000", "b:1883@2",
                "::1:1883", "[nothost]:1883", "a b:1883"}) {
            assertThrows(IllegalArgumentException.class, () -> MqttConfig.parseUpstream(bad), bad);
        }
        assertEquals("bad upstream 'broker': no port; expected host:port, like 10.0.0.1:1883",
                assertThrows(IllegalArgumentException.class, () -> MqttConfig.parseUpstream("broker")).getMessage());
        assertThrows(IllegalArgumentException.class, () -> new HostPort("", 1883));
        assertThrows(IllegalArgumentException.class, () -> new HostPort("b", 65536));
        assertThrows(IllegalArgumentException.class, () -> new HostPort("b", -1));
    }

    @Test
    void peerToStringReadsBack() {
        for (String text : new String[] {"10.0.0.1:8080", "10.0.0.1:8080@3", "[::1]:9000@2"}) {
            assertEquals(text, PeerConfig.parse(text).toString());
        }
    }
}
