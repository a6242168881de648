package dev.isthmus.bench;

import dev.isthmus.tools.Main;
import org.eclipse.californium.core.CoapServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code isthmus bench coap} against the Californium server perf-lab measures with: GET of
 * {@code /hello}, and observe of {@code /obs}, whose notifications are NON with every 20th CON.
 */
class CoapBenchCaliforniumTest {
    private static CoapServer server;
    private static String port;

    @BeforeAll
    static void startCalifornium() {
        server = CaliforniumCoapServer.start(new InetSocketAddress("127.0.0.1", 0));
        port = Integer.toString(server.getEndpoints().getFirst().getAddress().getPort());
    }

    @AfterAll
    static void stopCalifornium() {
        if (server != null) {
            server.destroy();
        }
    }

    private record Run(int status, String output, Map<String, String> summary) {
        long value(String key) {
            assertTrue(summary.containsKey(key), key + " in:\n" + output);
            return Long.parseLong(summary.get(key));
        }
    }

    /** Runs the CLI in this thread; the summary line as a map. */
    private static Run coap(String... args) {
        StringWriter out = new StringWriter();
        CommandLine cli = Main.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(out, true));
        String[] all = new String[args.length + 2];
        all[0] = "bench";
        all[1] = "coap";
        System.arraycopy(args, 0, all, 2, args.length);
        int status = cli.execute(all);
        Map<String, String> summary = new HashMap<>();
        Matcher m = Pattern.compile("^summary (.*)$", Pattern.MULTILINE).matcher(out.toString());
        assertTrue(m.find(), "no summary in:\n" + out);
        for (String pair : m.group(1).split(" ")) {
            int equals = pair.indexOf('=');
            summary.put(pair.substring(0, equals), pair.substring(equals + 1));
        }
        return new Run(status, out.toString(), summary);
    }

    @Test
    void getHello() {
        Run get = coap("get", "-h", "127.0.0.1", "-p", port, "--path", "/hello", "-c", "4", "-N", "300");
        assertEquals(0, get.status(), get.output());
        assertEquals(300, get.value("sent"), get.output());
        assertEquals(300, get.value("ok"), get.output());
        assertEquals(0, get.value("timeout"), get.output());
    }

    @Test
    void observeObs() {
        Run observe = coap("observe", "-h", "127.0.0.1", "-p", port, "--path", "/obs", "-c", "3", "--publishers", "1",
                "-R", "200", "-N", "200");
        assertEquals(0, observe.status(), observe.output());
        assertEquals(3, observe.value("observe"), observe.output());
        assertEquals(200, observe.value("ok"), observe.output());
        // Every 20th notification is CON; Californium holds the next ones until its ACK comes.
        long notifications = observe.value("notify");
        assertTrue(notifications >= 3 * 40 && notifications <= 3 * 200, observe.output());
        assertEquals(notifications, observe.value("notify_n"), "each carried the PUT's send time\n" + observe.output());
    }
}
