package dev.isthmus.core.config;

import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Compose;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.schema.CoreSchema;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Reads an {@link IsthmusConfig} from YAML and reports every mistake with its line.
 *
 * <p>The schema; every key is optional, keys are kebab-case, durations are written like
 * {@code 500ms}, {@code 10s}, {@code 2m}, {@code 1h} and sizes like {@code 1024}, {@code 16k},
 * {@code 64m}, {@code 1g} (see {@link ValueSyntax}):
 * <pre>{@code
 * threads: 2                                   # 0 (default) = one event loop per processor
 * io: auto                                     # nio | uring | auto (io_uring where allowed, else NIO)
 * shutdown-grace: 10s
 * admin:                                       # written = admin listener on
 *   listen: 127.0.0.1:9901                     # the default address
 * buffers: { chunk-size: 16k, max-pool-per-loop: 64m }
 * http:
 *   listen: [ "0.0.0.0:8080", ":8443" ]        # or one address without brackets
 *   limits: { max-header-size: 16k, max-uri-size: 8k, max-headers: 100, max-body-size: 64m }
 *   timeouts: { header-read: 10s, client-idle: 60s, body-read: 30s, connect: 3s, response: 60s }
 *   splice-threshold: 256k                     # bodies from this size on are spliced; 0 or off = never
 *   routes:                                    # none: everything goes to the first group
 *     - { host: api.example.com, path: /v1/, upstream: api }
 *     - { host: "*.devices.example.com", upstream: devices }
 *     - { upstream: api }                      # any host, path /
 * upstreams:
 *   api:
 *     lb: weighted-round-robin    # round-robin | weighted-round-robin | least-conn | ip-hash | consistent-hash
 *     hash-key: header:X-Device-Id             # client-ip | path | uri | header:NAME; consistent-hash only
 *     retries: 1
 *     peers:
 *       - 10.0.0.1:8080                        # weight 1; 10.0.0.1:8080@3 gives weight 3
 *       - { address: 10.0.0.2:8080, weight: 3 }
 *     keepalive: { max-idle-per-peer: 128, idle-timeout: 60s, max-connections-per-peer: 0 }
 *     health:
 *       active: { type: http, path: /healthz, expect-status: 200, interval: 5s, timeout: 1s, rise: 2, fall: 3 }
 *       passive: { max-fails: 3, cool-down: 10s }   # max-fails: 0 turns it off
 * mqtt:                                        # MQTT 3.1.1 and 5.0
 *   listen: [ ":1883" ]                        # or one address without brackets
 *   upstreams: [ broker-a:1883, broker-b:1883 ]  # proxy to these brokers; none = the embedded broker
 *   max-packet-size: 1m                        # 2 .. 268435455 bytes, fixed header included
 *   receive-maximum: 32                        # QoS 1/2 messages in flight towards one client, 1..65535
 *   max-queued-messages: 1000                  # QoS 1/2 messages kept per offline or slow session; 0 = none
 *   connect-timeout: 10s                       # for a new connection's CONNECT to arrive
 *   max-keep-alive: 0s                         # whole seconds up to 65535s; 0 = as the client asks
 *   persistence: data/mqtt                     # sessions and retained messages; absent = in memory only
 *   allow-anonymous: true                      # clients without a user name
 *   slow-subscriber-timeout: 5s                # publishers wait this long for a congested subscriber
 *   sys-interval: 10s                          # $SYS/broker/... statistics; 0 = off
 *   # The proxy's own settings, used with upstreams:
 *   balance: consistent-hash                   # on the client id (its address when empty); or round-robin, ...
 *   upstream-connect-timeout: 3s               # per broker, then the next one on the ring
 *   idle-timeout: 0s                           # for keep alive 0; 0 = never (others: 1.5 x keep alive)
 *   proxy-protocol: off                        # v2: a PROXY protocol v2 header before the CONNECT
 *   health:
 *     active: { interval: 5s, timeout: 1s, rise: 2, fall: 3 }   # TCP connects
 *     passive: { max-fails: 3, cool-down: 10s }
 *   rules:                                     # topic filters, %c = client id, %u = user name
 *     publish: { allow: [ "devices/%c/#" ], deny: [ "devices/%c/config" ] }
 *     subscribe: [ "devices/%c/#", "broadcast/#" ]   # a list is the allow list
 *   rate-limit: { rate: 10, burst: 20 }        # PUBLISH packets a second per client
 *   splice: true                               # pass-through bytes spliced in the kernel (io_uring)
 *   bridges:                                   # to other brokers (embedded broker only)
 *     - name: cloud                            # logs and metrics; unique
 *       address: cloud.example.com:1883        # port 1883 when left out
 *       client-id: edge-17                     # default name.hostname
 *       protocol-version: 3.1.1                # 3.1.1 (default) | 5
 *       clean-start: false                     # false (default): the remote broker keeps the session
 *       session-expiry: never                  # 5 only: whole seconds or never; default never (0 with clean start)
 *       keep-alive: 60s                        # whole seconds, 5s..65535s
 *       user-name: edge
 *       password: secret                       # 3.1.1: only with user-name
 *       try-private: true                      # 3.1.1 only: announce a bridge (protocol level 0x84)
 *       reconnect-min: 5s                      # jittered back-off between these
 *       reconnect-max: 30s
 *       max-queued-messages: 10000             # on their way out, sent or not; beyond: dropped, counted
 *       max-queued-bytes: 64m
 *       topics:                                # mosquitto's "pattern [direction [qos [local-prefix remote-prefix]]]"
 *         - "sensors/# out 1 \"\" edge-17/"
 *         - { filter: cmd/#, direction: in, qos: 1, local-prefix: "", remote-prefix: edge-17/ }
 * coap:                                        # CoAP (RFC 7252) over UDP
 *   listen: [ ":5683" ]                        # or one address without brackets
 *   ack-timeout: 2s                            # a CON's wait for its ACK before the first retransmission
 *   max-retransmit: 4                          # 0..20, each wait twice the one before
 *   max-exchanges: 100000                      # per event loop, remembered for deduplication
 *   block-size: 1024                           # block-wise transfers: 16, 32, ... 1024
 *   max-body-size: 1m                          # request bodies assembled from blocks
 *   http:                                      # CoAP to HTTP (RFC 8075): path prefix -> upstream group
 *     - { path: /api, upstream: backend }      # the full path goes on, GET /api/x -> GET /api/x
 *   pubsub: /ps                                # CoAP to MQTT: PUT/POST/GET(observe) /ps/{topic}; or off
 * }</pre>
 * An active check defaults to {@code type: tcp}; {@code path} (default {@code /}) and
 * {@code expect-status} belong to {@code type: http}. A file names its listeners: one without
 * {@code admin} has no admin listener, one without {@code http.listen} no HTTP listener, one
 * without {@code mqtt.listen} no MQTT listener. {@code mqtt.upstreams} need {@code mqtt.listen},
 * and {@code mqtt.persistence}, a directory relative to the file's own directory, belongs to
 * the embedded broker, so not with upstreams; so do {@code mqtt.bridges}, which need
 * {@code mqtt.listen} too. A bridge topic's direction defaults to {@code out}, its QoS to 0 and
 * its prefixes to empty; {@code ""} writes an empty value in the one-line form.
 *
 * <p>The file is composed into snakeyaml-engine's node tree rather than loaded into maps,
 * because only nodes keep their line numbers; values are then read from the nodes' text, so a
 * port written {@code "8080"} or {@code 8080} means the same. A key whose value is empty
 * ({@code admin:}) counts as written with no content: an empty mapping or list, or, where one
 * value is expected, a mistake. Problems are collected rather than thrown one at a time, and
 * reported together, sorted by line, in a {@link ConfigException}.
 */
public final class ConfigLoader {
    private ConfigLoader() {
    }

    /**
     * Reads and validates {@code file} (UTF-8).
     *
     * @return the configuration, with {@link IsthmusConfig#source()} set to {@code file}
     * @throws ConfigException listing every problem, including an unreadable file
     */
    public static IsthmusConfig load(Path file) {
        String yaml;
        try {
            yaml = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw fileProblem(file, "no such file");
        } catch (CharacterCodingException e) {
            throw fileProblem(file, "not UTF-8 text");
        } catch (IOException e) {
            throw fileProblem(file, Files.isDirectory(file) ? "is a directory, not a file" : "cannot read: " + e);
        }
        return parse(yaml, file);
    }

    /**
     * Validates YAML text as if it had been read from {@code nameForMessages}.
     *
     * @return the configuration, with {@link IsthmusConfig#source()} set to {@code nameForMessages}
     * @throws ConfigException listing every problem
     */
    public static IsthmusConfig parse(String yaml, Path nameForMessages) {
        // The core schema, so that ~ and null mean "no value" as YAML users expect.
        LoadSettings settings = LoadSettings.builder()
                .setLabel(nameForMessages.toString())
                .setSchema(new CoreSchema())
                .build();
        Optional<Node> root;
        try {
            root = new Compose(settings).composeString(yaml);
        } catch (MarkedYamlEngineException e) {
            throw new ConfigException(List.of(syntaxProblem(nameForMessages, e)));
        } catch (YamlEngineException e) {
            throw fileProblem(nameForMessages, "YAML syntax error: " + e.getMessage());
        }
        ConfigMapper mapper = new ConfigMapper(nameForMessages);
        IsthmusConfig config = mapper.map(root.orElse(null));
        if (config == null) {
            List<ConfigProblem> sorted = mapper.problems().stream()
                    .sorted(Comparator.comparingInt(ConfigProblem::line))
                    .toList();
            throw new ConfigException(sorted);
        }
        return config;
    }

    /** The parser's own words, at the line where it gave up, with the construct it was reading. */
    private static ConfigProblem syntaxProblem(Path file, MarkedYamlEngineException e) {
        Optional<Mark> at = e.getProblemMark().or(e::getContextMark);
        boolean hasContext = e.getContext() != null && !e.getContext().isBlank();
        StringBuilder message = new StringBuilder("YAML syntax error: ")
                .append(e.getProblem() == null ? e.getContext() : e.getProblem());
        if (e.getProblem() != null && hasContext) {
            message.append(" (").append(e.getContext());
            e.getContextMark().ifPresent(mark -> message.append(" started on line ").append(mark.getLine() + 1));
            message.append(')');
        }
        // Host patterns and *:port are this schema's own syntax, but a plain * starts a YAML alias.
        if (message.indexOf("alias") >= 0) {
            message.append("; quote values that start with *, like \"*.example.com\" or \"*:8080\"");
        }
        return new ConfigProblem(file, at.map(mark -> mark.getLine() + 1).orElse(0), message.toString());
    }

    private static ConfigException fileProblem(Path file, String message) {
        return new ConfigException(List.of(new ConfigProblem(file, 0, message)));
    }
}
