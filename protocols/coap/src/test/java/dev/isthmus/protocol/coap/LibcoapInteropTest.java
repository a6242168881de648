package dev.isthmus.protocol.coap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** libcoap's coap-client against the endpoint: methods, CON and NON, observe, block-wise both ways, discovery. */
class LibcoapInteropTest {
    private static TestCoapServer server;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() throws Exception {
        server = TestCoapServer.start();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void getPutPostAndDeleteWithConAndNon() throws Exception {
        assertEquals("world", LibcoapClient.run(10, "-m", "get", server.uri("/hello")).out());
        assertEquals("world", LibcoapClient.run(10, "-N", "-m", "get", server.uri("/hello")).out());
        assertEquals("posted", LibcoapClient.run(10, "-m", "post", "-e", "posted", server.uri("/echo")).out());
        assertEquals("7 bytes", LibcoapClient.run(10, "-m", "put", "-e", "content", server.uri("/store")).out());
        assertEquals("content", LibcoapClient.run(10, "-m", "get", server.uri("/store")).out());
        assertEquals(0, LibcoapClient.run(10, "-m", "delete", server.uri("/store")).exitCode());
        assertEquals("", LibcoapClient.run(10, "-m", "get", server.uri("/store")).out());
        assertEquals("put as NON", LibcoapClient.run(10, "-N", "-m", "put", "-e", "put as NON",
                server.uri("/echo")).out());
    }

    @Test
    void anUnknownPathIs404() throws Exception {
        LibcoapClient.Result result = LibcoapClient.run(10, "-m", "get", server.uri("/nowhere"));
        assertTrue(result.out().contains("4.04") || result.err().contains("4.04"), result.toString());
    }

    @Test
    void a64KiBBodyGoesBlockByBlockEachWay() throws Exception {
        Path received = dir.resolve("large.bin");
        assertEquals(0, LibcoapClient.run(20, "-m", "get", "-o", received.toString(), server.uri("/large")).exitCode());
        assertArrayEquals(TestCoapServer.LARGE, Files.readAllBytes(received));
        Path sent = Files.write(dir.resolve("upload.bin"), TestCoapServer.LARGE);
        LibcoapClient.Result put = LibcoapClient.run(20, "-m", "put", "-b", "512", "-f", sent.toString(),
                server.uri("/store"));
        assertEquals(TestCoapServer.LARGE.length + " bytes", put.out(), put.toString());
        assertArrayEquals(TestCoapServer.LARGE, server.stored.get());
    }

    @Test
    void anObserverHearsEveryChange() throws Exception {
        Thread changes = Thread.ofPlatform().start(() -> {
            try {
                Thread.sleep(800);
                for (int i = 1; i <= 3; i++) {
                    server.temperature.set(20 + i);
                    server.temperatureResource.changed();
                    Thread.sleep(300);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        LibcoapClient.Result observed = LibcoapClient.run(20, "-s", "3", "-m", "get",
                server.uri("/sensors/temperature"));
        changes.join();
        // coap-client prints each notification's payload as it comes, with nothing in between.
        assertEquals("20212223", observed.out(), observed.toString());
    }

    @Test
    void discoveryListsTheResourcesAndFilters() throws Exception {
        String all = LibcoapClient.run(10, "-m", "get", server.uri("/.well-known/core")).out();
        assertTrue(all.contains("</hello>;rt=\"greeting\";ct=0"), all);
        assertTrue(all.contains("</sensors/temperature>;rt=\"temperature-c\";if=\"sensor\";ct=0;obs"), all);
        assertEquals("</sensors/temperature>;rt=\"temperature-c\";if=\"sensor\";ct=0;obs",
                LibcoapClient.run(10, "-m", "get", server.uri("/.well-known/core?rt=temp*")).out());
        assertEquals("</hello>;rt=\"greeting\";ct=0",
                LibcoapClient.run(10, "-m", "get", server.uri("/.well-known/core?rt=greeting")).out());
        assertEquals("", LibcoapClient.run(10, "-m", "get", server.uri("/.well-known/core?if=actuator")).out());
    }
}
