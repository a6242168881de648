package dev.isthmus.protocol.http1;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/**
 * Responses that carry no body whatever their fields say (answers to HEAD, 204, 304, 1xx):
 * the proxy forwards their heads, sends no body bytes, does not wait for any, and the client
 * connection stays usable for the next request.
 */
class BodilessResponseSemanticsTest {
    private static final String FINAL_HELLO = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";

    /** Sends GET /echo?after=what on {@code wire} and checks the answer is that request's, with nothing before it. */
    private static void nextRequestWorks(RawClient wire, String what) throws Exception {
        wire.send("GET /echo?after=" + what + " HTTP/1.1\r\nHost: origin.test\r\n\r\n");
        RawClient.Response response = wire.read("GET");
        assertEquals(200, response.status(), "the response after " + what + ":\n" + response.head());
        assertTrue(response.text().startsWith("GET /echo?after=" + what + "\n"), response.text());
    }

    @Test
    void headKeepsContentLengthAndSendsNoBody() throws Exception {
        try (TestOrigin origin = new TestOrigin();
             TestProxy proxy = TestProxy.start(origin.address());
             RawClient wire = new RawClient(proxy.address())) {
            for (int i = 0; i < 3; i++) {
                wire.send("HEAD /resource HTTP/1.1\r\nHost: origin.test\r\n\r\n");
                RawClient.Response head = wire.read("HEAD");
                assertEquals(200, head.status());
                assertEquals("3", head.field("Content-Length"), "HEAD keeps the length the GET would have");
                nextRequestWorks(wire, "head" + i);
            }
            assertEquals(1, origin.connections(), "the upstream connection survives HEAD answers");
        }
    }

    @Test
    void noContentAndNotModifiedEndAtTheirHeads() throws Exception {
        try (TestOrigin origin = new TestOrigin();
             TestProxy proxy = TestProxy.start(origin.address());
             RawClient wire = new RawClient(proxy.address())) {
            for (int status : new int[] {204, 304, 204, 304}) {
                wire.send("GET /status/" + status + " HTTP/1.1\r\nHost: origin.test\r\nIf-None-Match: \"v1\"\r\n\r\n");
                RawClient.Response response = wire.read("GET");
                assertEquals(status, response.status());
                assertNull(response.field("Transfer-Encoding"), response.head());
                assertNull(response.field("Content-Length"), "the proxy adds no framing to a " + status);
                nextRequestWorks(wire, "status" + status);
            }
            assertEquals(1, origin.connections());
        }
    }

    @Test
    void bodilessAnswersThatStateALengthOrChunkingAreNotWaitedFor() throws Exception {
        Map<String, String> answers = Map.of(
                "/not-modified", "HTTP/1.1 304 Not Modified\r\nETag: \"v7\"\r\nContent-Length: 1234\r\n\r\n",
                "/big-head", "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: 10485760\r\n\r\n",
                "/chunked-head", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
                "/no-content", "HTTP/1.1 204 No Content\r\nX-Deleted: yes\r\n\r\n",
                "/next", FINAL_HELLO);
        try (ScriptedOrigin origin = new ScriptedOrigin(answers);
             TestProxy proxy = TestProxy.start(origin.address());
             RawClient wire = new RawClient(proxy.address())) {
            wire.send("GET /not-modified HTTP/1.1\r\nHost: o\r\nIf-None-Match: \"v7\"\r\n\r\n");
            RawClient.Response notModified = wire.read("GET");
            assertEquals(304, notModified.status());
            assertEquals("\"v7\"", notModified.field("ETag"));
            assertNextIsHello(wire);

            wire.send("HEAD /big-head HTTP/1.1\r\nHost: o\r\n\r\n");
            RawClient.Response bigHead = wire.read("HEAD");
            assertEquals("10485760", bigHead.field("Content-Length"));
            assertNextIsHello(wire);

            wire.send("HEAD /chunked-head HTTP/1.1\r\nHost: o\r\n\r\n");
            RawClient.Response chunkedHead = wire.read("HEAD");
            assertEquals("chunked", chunkedHead.field("Transfer-Encoding"));
            assertNextIsHello(wire);

            wire.send("DELETE /no-content HTTP/1.1\r\nHost: o\r\n\r\n");
            RawClient.Response noContent = wire.read("DELETE");
            assertEquals(204, noContent.status());
            assertEquals("yes", noContent.field("X-Deleted"));
            assertNextIsHello(wire);

            assertTrue(wire.quietFor(200), "nothing may follow the last response");
            assertEquals(1, origin.connections(), "every answer was complete, so one upstream connection served all");
        }
    }

    private static void assertNextIsHello(RawClient wire) throws Exception {
        wire.send("GET /next HTTP/1.1\r\nHost: o\r\n\r\n");
        RawClient.Response response = wire.read("GET");
        assertEquals(200, response.status(), response.head());
        assertEquals("hello", response.text());
    }

    @Test
    void interimResponsesReachAnHttp11ClientBeforeTheFinalOne() throws Exception {
        Map<String, String> answers = Map.of(
                "/early", "HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n" + FINAL_HELLO,
                "/two-interim", "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a.js>; rel=preload\r\n\r\n"
                        + FINAL_HELLO,
                "/next", FINAL_HELLO);
        try (ScriptedOrigin origin = new ScriptedOrigin(answers);
             TestProxy proxy = TestProxy.start(origin.address());
             RawClient wire = new RawClient(proxy.address())) {
            wire.send("GET /early HTTP/1.1\r\nHost: o\r\n\r\n");
            List<RawClient.Response> interim = new ArrayList<>();
            RawClient.Response response = wire.readFinal("GET", interim);
            assertEquals(1, interim.size());
            assertEquals(103, interim.get(0).status());
            assertEquals("</style.css>; rel=preload", interim.get(0).field("Link"));
            assertEquals("hello", response.text());
            assertNextIsHello(wire);

            interim.clear();
            wire.send("GET /two-interim HTTP/1.1\r\nHost: o\r\n\r\n");
            response = wire.readFinal("GET", interim);
            assertEquals(List.of(100, 103), interim.stream().map(RawClient.Response::status).toList());
            assertEquals("hello", response.text());
            assertNextIsHello(wire);
            assertEquals(1, origin.connections());
        }
    }

    @Test
    void anInterimResponseIsForwardedWithoutWaitingForTheFinalOne() throws Exception {
        Map<String, String> answers = Map.of("/early", "HTTP/1.1 103 Early Hints\r\nLink: </app.css>; rel=preload\r\n\r\n"
                + ScriptedOrigin.PAUSE + FINAL_HELLO);
        try (ScriptedOrigin origin = new ScriptedOrigin(answers);
             TestProxy proxy = TestProxy.start(origin.address());
             RawClient wire = new RawClient(proxy.address())) {
            wire.send("GET /early HTTP/1.1\r\nHost: o\r\n\r\n");
            // The origin sends the final response only after the client has the hints: their point is to come early.
            RawClient.Response hints = wire.read("GET");
            assertEquals(103, hints.status());
            origin.proceed();
            assertEquals("hello", wire.read("GET").text());
        }
    }

    @Test
    void noInterimResponseReachesAnHttp10Client() throws Exception {
        // HTTP/1.0 has no 1xx status codes: a server must not send one to a 1.0 client (RFC 9110 §15.2).
        Map<String, String> answers = Map.of(
                "/early", "HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n" + FINAL_HELLO);
        try (ScriptedOrigin origin = new ScriptedOrigin(answers);
             TestProxy proxy = TestProxy.start(origin.address());
             RawClient wire = new RawClient(proxy.address())) {
            wire.send("GET /early HTTP/1.0\r\nHost: o\r\nConnection: keep-alive\r\n\r\n");
            RawClient.Response response = wire.read("GET");
            assertEquals(200, response.status(), "the first thing a 1.0 client gets is the final response:\n"
                    + response.head());
            assertEquals("hello", response.text());
        }
    }

    @Test
    void realClientsGetTheFinalResponseAfterEarlyHints() throws Exception {
        Map<String, String> answers = Map.of(
                "/early", "HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n" + FINAL_HELLO);
        try (ScriptedOrigin origin = new ScriptedOrigin(answers);
             TestProxy proxy = TestProxy.start(origin.address());
             HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
            for (int i = 0; i < 3; i++) {
                HttpResponse<String> response = client.send(HttpRequest.newBuilder(proxy.uri("/early")).build(),
                        HttpResponse.BodyHandlers.ofString(UTF_8));
                assertEquals(200, response.statusCode());
                assertEquals("hello", response.body());
            }
            Curl curl = Curl.run("-sS", "-i", proxy.url("/early"));
            assertEquals(0, curl.exitCode(), curl.stderr());
            assertTrue(curl.stdout().startsWith("HTTP/1.1 103 "), curl.stdout());
            assertTrue(curl.stdout().contains("HTTP/1.1 200 "), curl.stdout());
            assertTrue(curl.stdout().endsWith("\r\n\r\nhello"), curl.stdout());
            assertFalse(curl.stdout().contains("Keep-Alive"), curl.stdout());
        }
    }
}
