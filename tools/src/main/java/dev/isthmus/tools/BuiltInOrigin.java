package dev.isthmus.tools;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import dev.isthmus.core.upstream.Peer;
import dev.isthmus.protocol.http1.HttpSession;
import dev.isthmus.protocol.http1.ProxyHttp;

/**
 * The small device-status API the default configuration proxies to, so the gateway does
 * something real before anyone configures an upstream. It runs on the same event loops, on a
 * loopback listener of its own, and answers every request from {@code requestFilter}.
 *
 * <pre>
 * GET /                  what is here
 * GET /devices           every device and its latest status
 * GET /devices/{id}      one device (404 if unknown)
 * GET /healthz           "ok"
 * </pre>
 *
 * The fleet is simulated: readings are derived from the clock, so they move between calls.
 */
final class BuiltInOrigin implements ProxyHttp<Void> {
    private static final String JSON = "application/json";
    private static final String[] DEVICES = {"thermostat-01", "meter-02", "valve-03", "camera-04", "tracker-05"};
    private final long startMillis = System.currentTimeMillis();

    @Override
    public boolean requestFilter(HttpSession session, Void ctx) {
        String path = session.path().toString();
        boolean read = "GET".contentEquals(session.method()) || "HEAD".contentEquals(session.method());
        if (!read) {
            session.respond(405, JSON, json("{\"error\":\"the built-in origin is read-only\"}"), "Allow", "GET, HEAD");
        } else if (path.equals("/")) {
            session.respond(200, JSON, json("{\"service\":\"isthmus built-in origin\","
                    + "\"endpoints\":[\"/devices\",\"/devices/{id}\",\"/healthz\"],"
                    + "\"client\":\"" + session.clientIp() + "\"}"));
        } else if (path.equals("/healthz")) {
            session.respond(200, "text/plain", json("ok\n"));
        } else if (path.equals("/devices") || path.equals("/devices/")) {
            List<String> all = new ArrayList<>();
            for (int i = 0; i < DEVICES.length; i++) {
                all.add(device(i));
            }
            session.respond(200, JSON, json("{\"devices\":[" + String.join(",", all) + "]}"));
        } else if (path.startsWith("/devices/")) {
            String id = path.substring("/devices/".length());
            int index = List.of(DEVICES).indexOf(id);
            if (index < 0) {
                session.respond(404, JSON, json("{\"error\":\"unknown device\",\"id\":\"" + escape(id) + "\"}"));
            } else {
                session.respond(200, JSON, json(device(index)));
            }
        } else {
            session.respond(404, JSON, json("{\"error\":\"not found\"}"));
        }
        return true;
    }

    private String device(int index) {
        long now = System.currentTimeMillis();
        double phase = (now - startMillis) / 60_000.0 + index;
        double battery = 100 - ((now / 1000 + index * 977L) % 6000) / 60.0;
        double temperature = 21 + 4 * Math.sin(phase);
        return String.format(Locale.ROOT,
                "{\"id\":\"%s\",\"online\":%s,\"battery\":%.1f,\"temperature\":%.2f,\"lastSeen\":\"%s\"}",
                DEVICES[index], index != 3, battery, temperature, Instant.ofEpochMilli(now - index * 1500L));
    }

    private static String escape(String text) {
        StringBuilder out = new StringBuilder();
        for (char c : text.toCharArray()) {
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c >= 0x20 && c < 0x7f) {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static byte[] json(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** Never reached: every request is answered in {@link #requestFilter}. */
    @Override
    public Peer upstreamPeer(HttpSession session, Void ctx) {
        return null;
    }
}
