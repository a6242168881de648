package dev.isthmus.protocol.http1;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * Pipelined requests, all written at once, are answered completely and in order, whatever
 * their methods, bodies and how long the origin takes for each.
 */
class PipeliningSemanticsTest extends OriginBehindProxy {

    /** One pipelined request and how to recognise its answer. */
    private record Step(String method, byte[] bytes, String expectedStart, byte[] expectedBody) {
    }

    private static Step get(int n) {
        return new Step("GET", ("GET /echo?n=" + n + " HTTP/1.1\r\nHost: o\r\n\r\n").getBytes(ISO_8859_1),
                "GET /echo?n=" + n + "\n", null);
    }

    private static Step post(int n) {
        String body = "body of request " + n + " ".repeat(n * 10);
        return new Step("POST", ("POST /echo?n=" + n + " HTTP/1.1\r\nHost: o\r\nContent-Length: " + body.length()
                + "\r\n\r\n" + body).getBytes(ISO_8859_1), "POST /echo?n=" + n + "\n", null);
    }

    private static Step chunkedPost(int n) {
        String body = "chunked body " + n;
        String chunks = Integer.toHexString(5) + "\r\n" + body.substring(0, 5) + "\r\n"
                + Integer.toHexString(body.length() - 5) + "\r\n" + body.substring(5) + "\r\n0\r\n\r\n";
        return new Step("POST", ("POST /echo?n=" + n + " HTTP/1.1\r\nHost: o\r\nTransfer-Encoding: chunked\r\n\r\n" + chunks)
                .getBytes(ISO_8859_1), "POST /echo?n=" + n + "\n", null);
    }

    private static Step slow() {
        return new Step("GET", "GET /slow/50 HTTP/1.1\r\nHost: o\r\n\r\n".getBytes(ISO_8859_1), "slow\n", null);
    }

    private static Step head() {
        return new Step("HEAD", "HEAD /anything HTTP/1.1\r\nHost: o\r\n\r\n".getBytes(ISO_8859_1), "", null);
    }

    private static Step bytes(int size) {
        return new Step("GET", ("GET /bytes/" + size + " HTTP/1.1\r\nHost: o\r\n\r\n").getBytes(ISO_8859_1), null,
                TestOrigin.pattern(size));
    }

    private void runPipeline(List<Step> steps) throws Exception {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        steps.forEach(step -> all.writeBytes(step.bytes()));
        try (RawClient wire = new RawClient(proxy.address())) {
            wire.send(all.toByteArray());
            for (int i = 0; i < steps.size(); i++) {
                Step step = steps.get(i);
                RawClient.Response response = wire.read(step.method());
                assertEquals(200, response.status(), "response " + i + ":\n" + response.head());
                if (step.expectedBody() != null) {
                    assertArrayEquals(step.expectedBody(), response.body(), "response " + i);
                } else if (step.method().equals("HEAD")) {
                    assertEquals("3", response.field("Content-Length"), "response " + i);
                } else {
                    assertTrue(response.text().startsWith(step.expectedStart()),
                            "response " + i + " should answer " + step.expectedStart().trim() + " but was:\n" + response.text());
                }
            }
            assertTrue(wire.quietFor(200), "nothing after the last response");
        }
    }

    @Test
    void tenMixedRequestsInOneWriteAreAnsweredInOrder() throws Exception {
        runPipeline(List.of(get(0), post(1), slow(), get(3), post(4), slow(), chunkedPost(6), get(7), slow(), post(9)));
    }

    @Test
    void pipelinedRequestsWithLargeAnswersHeadAndSlowOnesStayInOrder() throws Exception {
        List<Step> steps = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            steps.add(switch (i % 5) {
                case 0 -> bytes(100_000 + i);
                case 1 -> slow();
                case 2 -> head();
                case 3 -> chunkedPost(i);
                default -> get(i);
            });
        }
        runPipeline(steps);
    }

    @Test
    void manyPipelinedRequestsBeyondOneReadBufferAreAllAnswered() throws Exception {
        List<Step> steps = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            steps.add(i % 2 == 0 ? get(i) : post(i % 40));
        }
        runPipeline(steps);
    }
}
