package dev.isthmus.tools.bench;

import dev.isthmus.tools.Main;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CoapBenchFlagsTest {
    private static CoapBenchConfig parse(CoapBenchCommand.Run command, String... args) {
        new CommandLine(command).parseArgs(args);
        return command.config();
    }

    private static CoapBenchConfig get(String... args) {
        return parse(new CoapBenchCommand.Get(), args);
    }

    private static CoapBenchConfig observe(String... args) {
        return parse(new CoapBenchCommand.Observe(), args);
    }

    private static String mistake(CoapBenchCommand.Run command, String... args) {
        return assertThrows(IllegalArgumentException.class, () -> parse(command, args)).getMessage();
    }

    @Test
    void defaults() {
        CoapBenchConfig c = get();
        assertEquals(CoapBenchConfig.Mode.GET, c.mode());
        assertEquals("localhost", c.host());
        assertEquals(5683, c.port());
        assertEquals(10, c.clients());
        assertEquals("/", c.path());
        assertTrue(c.confirmable());
        assertFalse(c.openLoop());
        assertEquals(1, c.outstanding(), "the closed loop keeps one request in flight per client");
        assertEquals(0, c.durationSeconds());
        assertEquals(0, c.count());
        assertEquals(2_000_000_000L, c.ackTimeoutNanos());
        assertEquals(4, c.maxRetransmit());
        assertEquals(93_000_000_000L, c.timeoutNanos(), "MAX_TRANSMIT_WAIT of RFC 7252 4.8.2: 2 s x (2^5 - 1) x 1.5");
        assertEquals(1, c.reportSeconds());
        assertEquals(1, c.loops());
        assertEquals(0, c.payload().length, "GET carries nothing");
        assertEquals(List.of(), c.pathSegments());
    }

    @Test
    void flags() {
        CoapBenchConfig c = parse(new CoapBenchCommand.Post(), "-h", "10.0.0.1", "-p", "5684", "-c", "16",
                "--path", "/a/b", "--non", "-R", "2500", "--outstanding", "8", "-d", "30", "-N", "1000", "-s", "64",
                "--ack-timeout", "0.5", "--max-retransmit", "2", "--timeout", "1.5", "-I", "5", "--loops", "2");
        assertEquals(CoapBenchConfig.Mode.POST, c.mode());
        assertEquals("10.0.0.1", c.host());
        assertEquals(5684, c.port());
        assertEquals(16, c.clients());
        assertEquals(16, c.senders());
        assertEquals("/a/b", c.path());
        assertEquals(List.of("a", "b"), c.pathSegments().stream().map(b -> new String(b, StandardCharsets.UTF_8)).toList());
        assertFalse(c.confirmable());
        assertTrue(c.openLoop());
        assertEquals(2500.0, c.rate());
        assertEquals(8, c.outstanding());
        assertEquals(30, c.durationSeconds());
        assertEquals(1000, c.count());
        assertEquals(64, c.payload().length);
        assertEquals(500_000_000L, c.ackTimeoutNanos());
        assertEquals(2, c.maxRetransmit());
        assertEquals(1_500_000_000L, c.timeoutNanos());
        assertEquals(5, c.reportSeconds());
        assertEquals(2, c.loops());
        assertEquals(CoapBenchConfig.Mode.PUT, parse(new CoapBenchCommand.Put(), "--con").mode());
    }

    @Test
    void theOpenLoopCapsTheRequestsInFlightAt256UnlessTold() {
        assertEquals(256, get("-R", "100").outstanding());
        assertEquals(4, get("-R", "100", "--outstanding", "4").outstanding());
        assertEquals(3, get("--outstanding", "3").outstanding());
    }

    @Test
    void theTimeoutFollowsTheMessageLayerParameters() {
        // ACK_TIMEOUT 1 s, MAX_RETRANSMIT 2: 1 s x (2^3 - 1) x 1.5.
        assertEquals(10_500_000_000L, get("--ack-timeout", "1", "--max-retransmit", "2").timeoutNanos());
        assertEquals(1_500_000_000L, CoapBenchConfig.maxTransmitWaitNanos(1_000_000_000L, 0), "no retransmission");
    }

    @Test
    void observeHasObserversAndPublishers() {
        CoapBenchConfig c = observe("-c", "16", "--publishers", "2", "--path", "/telemetry", "-R", "1000");
        assertEquals(CoapBenchConfig.Mode.OBSERVE, c.mode());
        assertEquals(16, c.clients());
        assertEquals(2, c.publishers());
        assertEquals(2, c.senders(), "the publishers send the measured requests");
        assertEquals(16, c.payload().length);
        assertTrue(c.hasPayload());
        assertEquals(1, observe().publishers());
        assertEquals(0, observe("--publishers", "0").senders());
    }

    @Test
    void mistakesAreRefused() {
        assertEquals("--con and --non exclude each other", mistake(new CoapBenchCommand.Get(), "--con", "--non"));
        assertEquals("-p must be 1..65535: 0", mistake(new CoapBenchCommand.Get(), "-p", "0"));
        assertEquals("-c must be 1..100000: 0", mistake(new CoapBenchCommand.Get(), "-c", "0"));
        assertEquals("--path must start with /: x", mistake(new CoapBenchCommand.Get(), "--path", "x"));
        assertEquals("-R must not be negative", mistake(new CoapBenchCommand.Get(), "-R", "-1"));
        assertEquals("--outstanding must be 1..16384: 0", mistake(new CoapBenchCommand.Get(), "--outstanding", "0"));
        assertEquals("-s must be 0..65000: 70000", mistake(new CoapBenchCommand.Put(), "-s", "70000"));
        assertEquals("-I must be at least 1 second", mistake(new CoapBenchCommand.Get(), "-I", "0"));
        assertEquals("--max-retransmit must be 0..20: 21", mistake(new CoapBenchCommand.Get(), "--max-retransmit", "21"));
        assertEquals("-N counts the publishers' requests: it needs --publishers of at least 1",
                mistake(new CoapBenchCommand.Observe(), "--publishers", "0", "-N", "10"));
    }

    @Test
    void theCliReportsAMistakeInOneLineWithStatus2() {
        StringWriter err = new StringWriter();
        CommandLine cli = Main.commandLine();
        cli.setOut(new PrintWriter(new StringWriter(), true));
        cli.setErr(new PrintWriter(err, true));
        assertEquals(2, cli.execute("bench", "coap", "get", "--con", "--non"));
        assertEquals("isthmus: --con and --non exclude each other (see 'isthmus bench coap get --help')\n", err.toString());
    }

    @Test
    void helpNamesEveryMode() {
        StringWriter out = new StringWriter();
        CommandLine cli = Main.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(out, true));
        cli.execute("bench", "coap", "--help");
        for (String mode : List.of("get", "post", "put", "observe")) {
            assertTrue(out.toString().contains("  " + mode + " "), mode + " in:\n" + out);
        }
    }
}
