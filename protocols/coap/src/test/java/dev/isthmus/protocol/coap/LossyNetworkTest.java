package dev.isthmus.protocol.coap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.eclipse.californium.core.CoapClient;
import org.eclipse.californium.core.coap.CoAP;
import org.eclipse.californium.core.coap.MediaTypeRegistry;
import org.junit.jupiter.api.Test;

/**
 * Through a relay that loses a quarter of the datagrams each way, CON exchanges still complete
 * (Californium retransmits, the endpoint answers duplicates from its exchanges) and each request
 * is executed exactly once; a body sent and fetched in blocks still arrives whole.
 */
class LossyNetworkTest {
    @Test
    void conExchangesCompleteAndRunOnceDespiteLoss() throws Exception {
        try (TestCoapServer server = TestCoapServer.start();
             LossyRelay relay = new LossyRelay(server.address(), 0.25)) {
            CoapClient client = Californium.client("coap://127.0.0.1:" + relay.address().getPort() + "/count", 100);
            client.setTimeout(60_000L);
            int requests = 20;
            try {
                for (int i = 1; i <= requests; i++) {
                    org.eclipse.californium.core.CoapResponse response = client.post("", MediaTypeRegistry.TEXT_PLAIN);
                    assertNotNull(response, "request " + i + " got no response");
                    assertEquals(CoAP.ResponseCode.CHANGED, response.getCode());
                    assertEquals(String.valueOf(i), response.getResponseText(), "executed once each");
                }
                // Block-wise both ways, each block a CON exchange of its own through the same loss.
                byte[] body = java.util.Arrays.copyOf(TestCoapServer.LARGE, 8 * 1024);
                client.setURI("coap://127.0.0.1:" + relay.address().getPort() + "/store");
                assertEquals(CoAP.ResponseCode.CHANGED, client.put(body, MediaTypeRegistry.APPLICATION_OCTET_STREAM)
                        .getCode());
                assertArrayEquals(body, client.get().getPayload());
            } finally {
                client.shutdown();
            }
            assertEquals(requests, server.counted.get());
            assertTrue(relay.dropped.get() > 10, "the relay lost " + relay.dropped.get() + " datagrams");
            assertTrue(server.metric("isthmus_coap_duplicates_total") > 0, "some retransmissions were duplicates");
        }
    }
}
