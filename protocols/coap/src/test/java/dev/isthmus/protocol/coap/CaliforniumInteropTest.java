package dev.isthmus.protocol.coap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.eclipse.californium.core.CoapClient;
import org.eclipse.californium.core.CoapObserveRelation;
import org.eclipse.californium.core.WebLink;
import org.eclipse.californium.core.coap.CoAP;
import org.eclipse.californium.core.coap.MediaTypeRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Eclipse Californium's CoapClient against the endpoint. */
class CaliforniumInteropTest {
    private static TestCoapServer server;

    @BeforeAll
    static void start() throws Exception {
        server = TestCoapServer.start();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static org.eclipse.californium.core.CoapResponse call(CoapClient client,
                                                                     java.util.concurrent.Callable<org.eclipse.californium.core.CoapResponse> call)
            throws Exception {
        try {
            org.eclipse.californium.core.CoapResponse response = call.call();
            assertNotNull(response, "no response");
            return response;
        } finally {
            client.shutdown();
        }
    }

    @Test
    void methodsWithConAndNon() throws Exception {
        CoapClient hello = Californium.client(server.uri("/hello"));
        org.eclipse.californium.core.CoapResponse get = call(hello, hello::get);
        assertEquals(CoAP.ResponseCode.CONTENT, get.getCode());
        assertEquals("world", get.getResponseText());
        assertEquals(MediaTypeRegistry.TEXT_PLAIN, get.getOptions().getContentFormat());

        CoapClient non = Californium.client(server.uri("/hello")).useNONs();
        org.eclipse.californium.core.CoapResponse nonGet = call(non, non::get);
        assertEquals("world", nonGet.getResponseText());
        assertEquals(CoAP.Type.NON, nonGet.advanced().getType());

        CoapClient echo = Californium.client(server.uri("/echo"));
        org.eclipse.californium.core.CoapResponse post = call(echo, () -> echo.post("{\"t\":21}",
                MediaTypeRegistry.APPLICATION_JSON));
        assertEquals(CoAP.ResponseCode.CREATED, post.getCode());
        assertEquals("{\"t\":21}", post.getResponseText());
        assertEquals(MediaTypeRegistry.APPLICATION_JSON, post.getOptions().getContentFormat());

        CoapClient store = Californium.client(server.uri("/store"));
        assertEquals(CoAP.ResponseCode.CHANGED, call(store, () -> store.put("kept", 0)).getCode());
        CoapClient delete = Californium.client(server.uri("/store"));
        assertEquals(CoAP.ResponseCode.DELETED, call(delete, delete::delete).getCode());
        CoapClient notAllowed = Californium.client(server.uri("/store"));
        assertEquals(CoAP.ResponseCode.METHOD_NOT_ALLOWED, call(notAllowed, () -> notAllowed.post("x", 0)).getCode());
    }

    @Test
    void sixtyFourKiBEachWayInBlocks() throws Exception {
        CoapClient large = Californium.client(server.uri("/large"));
        org.eclipse.californium.core.CoapResponse get = call(large, large::get);
        assertArrayEquals(TestCoapServer.LARGE, get.getPayload());
        CoapClient store = Californium.client(server.uri("/store"));
        org.eclipse.californium.core.CoapResponse put = call(store, () -> store.put(TestCoapServer.LARGE,
                MediaTypeRegistry.APPLICATION_OCTET_STREAM));
        assertEquals(CoAP.ResponseCode.CHANGED, put.getCode(), put.getResponseText());
        assertArrayEquals(TestCoapServer.LARGE, server.stored.get());
    }

    @Test
    void aSlowHandlerAnswersSeparately() throws Exception {
        CoapClient slow = Californium.client(server.uri("/slow"));
        org.eclipse.californium.core.CoapResponse response = call(slow, slow::get);
        assertEquals("late", response.getResponseText());
        assertEquals(CoAP.Type.CON, response.advanced().getType(), "a separate response, not piggybacked");
    }

    @Test
    void anObserverGetsSeveralNotificationsAndCanCancel() throws Exception {
        CoapClient client = Californium.client(server.uri("/sensors/temperature"));
        try {
            BlockingQueue<String> notifications = new LinkedBlockingQueue<>();
            CoapObserveRelation relation = Californium.observe(client, notifications);
            assertEquals("20", notifications.poll(10, TimeUnit.SECONDS));
            for (int i = 1; i <= 25; i++) {
                server.temperature.set(20 + i);
                server.temperatureResource.changed();
                assertEquals(String.valueOf(20 + i), notifications.poll(10, TimeUnit.SECONDS), "notification " + i);
            }
            relation.proactiveCancel();
            // The GET without Observe ends the relation on the server.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (server.metric("isthmus_coap_observers") != 0 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertEquals(0, server.metric("isthmus_coap_observers"));
        } finally {
            client.shutdown();
        }
    }

    @Test
    void discoveryWithFilters() throws Exception {
        CoapClient client = Californium.client(server.uri(""));
        try {
            Set<WebLink> all = client.discover();
            assertNotNull(all);
            assertTrue(all.stream().anyMatch(link -> link.getURI().equals("/large")
                    && link.getAttributes().getAttributeValues("sz").equals(List.of("65536"))), all.toString());
            Set<WebLink> sensors = client.discover("if=sensor");
            assertEquals(1, sensors.size(), sensors.toString());
            assertEquals("/sensors/temperature", sensors.iterator().next().getURI());
            assertTrue(sensors.iterator().next().getAttributes().containsAttribute("obs"));
        } finally {
            client.shutdown();
        }
    }
}
