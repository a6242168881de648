package dev.isthmus.tools.bench;

import dev.isthmus.core.tls.TlsContext;
import dev.isthmus.tools.Main;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code isthmus bench mqtt conn|pub|sub}: an MQTT load generator that takes emqtt-bench's flags
 * and prints its per-second lines, so scripts written for emqtt-bench run unchanged, and that
 * measures end-to-end latency (sub) besides.
 */
@Command(name = "bench", usageHelpAutoWidth = true, mixinStandardHelpOptions = true,
        subcommands = {BenchCommand.Mqtt.class, CoapBenchCommand.class},
        description = {"Load generators. `isthmus bench mqtt conn|pub|sub` speaks emqtt-bench's flags;",
                "`isthmus bench coap get|post|put|observe` loads a CoAP server over UDP."})
public final class BenchCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return Main.EXIT_INVALID;
    }

    @Command(name = "mqtt", usageHelpAutoWidth = true,
            subcommands = {Conn.class, Pub.class, Sub.class},
            description = {"MQTT clients on isthmus event loops, with emqtt-bench's flags and output:",
                    "once a second `<elapsed> <counter> total=N rate=R/sec` for each counter that changed."})
    static final class Mqtt implements Callable<Integer> {
        @Option(names = "--help", usageHelp = true, description = "Show this help and exit.")
        boolean help;

        @Spec
        private CommandSpec spec;

        @Override
        public Integer call() {
            spec.commandLine().usage(spec.commandLine().getErr());
            return Main.EXIT_INVALID;
        }
    }

    /** Flags of conn, pub and sub (emqtt-bench's common options), plus --loops, --io and --duration. */
    static final class Common {
        @Option(names = "--help", usageHelp = true, description = "Show this help and exit.")
        boolean help;

        @Option(names = {"-h", "--host"}, defaultValue = "localhost",
                description = "MQTT server host name or IP address. Default: ${DEFAULT-VALUE}.")
        String host;

        @Option(names = {"-p", "--port"}, defaultValue = "1883", description = "Server port. Default: ${DEFAULT-VALUE}.")
        int port;

        @Option(names = {"-V", "--version"}, defaultValue = "5",
                description = "MQTT protocol version: 3 (3.1), 4 (3.1.1) or 5 (5.0). Default: ${DEFAULT-VALUE}.")
        int version;

        @Option(names = {"-c", "--count"}, defaultValue = "200", description = "Number of clients. Default: ${DEFAULT-VALUE}.")
        int count;

        @Option(names = {"-n", "--startnumber"}, defaultValue = "0",
                description = "Start of the client sequence numbers (the first client is n+1). Default: ${DEFAULT-VALUE}.")
        long startNumber;

        @Option(names = {"-R", "--connrate"}, defaultValue = "0",
                description = "Connections per second; 0 uses --interval. Default: ${DEFAULT-VALUE}.")
        int connRate;

        @Option(names = {"-i", "--interval"}, defaultValue = "10",
                description = "Milliseconds between two connections. Default: ${DEFAULT-VALUE}.")
        long interval;

        @Option(names = "--ifaddr", paramLabel = "ADDR[,ADDR...]",
                description = "Local (source) IP addresses the clients bind to, round-robin: more connections to one "
                        + "server than one address has ephemeral ports. The address is also the host part of the "
                        + "default client id.")
        String ifaddr;

        @Option(names = "--prefix", description = "Client id prefix (see --shortids).")
        String prefix;

        @Option(names = "--shortids", arity = "0..1", defaultValue = "false", fallbackValue = "true",
                description = "Client id is the sequence number (after --prefix if given). Default: ${DEFAULT-VALUE}.")
        boolean shortIds;

        @Option(names = {"-S", "--ssl"}, arity = "0..1", defaultValue = "false", fallbackValue = "true",
                description = "Connect with TLS (TLS 1.2 or 1.3). The server is not verified unless --cacertfile is "
                        + "given, as in emqtt-bench. Default: ${DEFAULT-VALUE}.")
        boolean ssl;

        @Option(names = "--ssl-version", paramLabel = "VERSION",
                description = "Only this TLS version, and implies -S: tlsv1.2, tlsv1.3 or tlsv1.3_nocompat (same as tlsv1.3).")
        String sslVersion;

        @Option(names = "--cacertfile", paramLabel = "FILE",
                description = "CA certificates (PEM) to verify the server against; the certificate must also name -h.")
        Path caCertFile;

        @Option(names = "--certfile", paramLabel = "FILE",
                description = "Client certificate (PEM, chain leaf first), for servers that ask for one; with --keyfile.")
        Path certFile;

        @Option(names = "--keyfile", paramLabel = "FILE",
                description = "The client certificate's private key (PEM: PKCS#8, PKCS#1 or SEC1, unencrypted).")
        Path keyFile;

        @Option(names = "--ciphers", paramLabel = "SUITE[,SUITE...]",
                description = "Cipher suites to offer, by IANA name, e.g. TLS_AES_128_GCM_SHA256,"
                        + "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256. Default: the TLS engine's.")
        String ciphers;

        @Option(names = "--signature-algs", hidden = true, description = "Refused: the TLS engine offers its own.")
        String signatureAlgorithms;

        @Option(names = "--keyex-algs", hidden = true, description = "Refused: the TLS engine offers its own.")
        String keyExchangeAlgorithms;

        @Option(names = {"-u", "--username"}, description = "User name.")
        String userName;

        @Option(names = {"-P", "--password"}, description = "Password.")
        String password;

        @Option(names = {"-k", "--keepalive"}, defaultValue = "300",
                description = "Keep alive in seconds; a PINGREQ goes out that often. Default: ${DEFAULT-VALUE}.")
        int keepAlive;

        @Option(names = {"-C", "--clean"}, arity = "0..1", defaultValue = "true", fallbackValue = "true",
                description = "Clean session / clean start. Default: ${DEFAULT-VALUE}.")
        boolean clean;

        @Option(names = {"-x", "--session-expiry"}, defaultValue = "0",
                description = "Session Expiry Interval in seconds (5.0). Default: ${DEFAULT-VALUE}.")
        long sessionExpiry;

        @Option(names = {"-l", "--lowmem"}, arity = "0..1", fallbackValue = "true", hidden = true,
                description = "Accepted for emqtt-bench scripts; has no effect.")
        boolean lowMem;

        @Option(names = "--loops", defaultValue = "1",
                description = "Event loops (threads) the clients are spread over. Default: ${DEFAULT-VALUE}.")
        int loops;

        @Option(names = "--io", defaultValue = "auto",
                description = "Transport: nio, uring or auto. Default: ${DEFAULT-VALUE}.")
        String io;

        @Option(names = "--duration", paramLabel = "SECONDS", defaultValue = "0",
                description = "Stop after this many seconds; 0 runs until Ctrl-C (SIGINT) or SIGTERM. Default: ${DEFAULT-VALUE}.")
        long duration;

        @Option(names = "--connect-timeout", paramLabel = "SECONDS", defaultValue = "30", hidden = true,
                description = "TCP connect timeout. Default: ${DEFAULT-VALUE}.")
        long connectTimeout;

        BenchConfig config(BenchConfig.Mode mode, List<String> topics, int qos, byte[] payload, boolean stamp,
                           long messageIntervalMillis, long limit, int inflight, boolean retain, long expectedMicros) {
            require(version >= 3 && version <= 5, "-V must be 3, 4 or 5: " + version);
            require(count >= 1, "-c must be at least 1: " + count);
            require(port >= 1 && port <= 65535, "-p must be 1..65535: " + port);
            require(connRate >= 0 && interval >= 0, "-R and -i must not be negative");
            require(keepAlive >= 0 && keepAlive <= 65535, "-k must be 0..65535: " + keepAlive);
            require(sessionExpiry >= 0 && sessionExpiry <= 0xFFFF_FFFFL, "-x must be 0..4294967295");
            require(qos >= 0 && qos <= 2, "-q must be 0, 1 or 2: " + qos);
            require(loops >= 1 && loops <= 256, "--loops must be 1..256: " + loops);
            require(io.equals("nio") || io.equals("uring") || io.equals("auto"), "--io must be nio, uring or auto: " + io);
            require(duration >= 0, "--duration must not be negative");
            require(password == null || userName != null || version == 5, "-P needs -u before MQTT 5.0");
            require(connectTimeout >= 1, "--connect-timeout must be at least 1 second");
            long clientInterval = connRate > 0 ? 1_000_000_000L / connRate : interval * 1_000_000L;
            return new BenchConfig(mode, host, port, version, count, startNumber, clientInterval, topics, qos, payload,
                    stamp, messageIntervalMillis * 1_000_000L, limit, inflight, retain, keepAlive, clean, sessionExpiry,
                    userName, password, prefix, shortIds, loops, io, duration, expectedMicros,
                    connectTimeout * 1_000_000_000L, localAddresses(), tls());
        }

        /** --ifaddr as addresses: IP literals only (emqtt-bench parses them the same way). */
        private List<InetAddress> localAddresses() {
            if (ifaddr == null) {
                return List.of();
            }
            List<InetAddress> addresses = new ArrayList<>();
            for (String text : ifaddr.split(",")) {
                String literal = text.strip();
                try {
                    addresses.add(InetAddress.ofLiteral(literal));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("--ifaddr takes IP addresses (comma-separated): '" + literal + "'");
                }
            }
            return List.copyOf(addresses);
        }

        /** The client side of TLS for -S and its companions, or null for plain TCP. */
        private TlsContext tls() {
            require(signatureAlgorithms == null, "--signature-algs is not supported: the TLS engine offers its own");
            require(keyExchangeAlgorithms == null, "--keyex-algs is not supported: the TLS engine offers its own");
            List<String> versions = null;
            if (sslVersion != null) {
                versions = switch (sslVersion) {
                    case "tlsv1.2" -> List.of("TLSv1.2");
                    case "tlsv1.3", "tlsv1.3_nocompat" -> List.of("TLSv1.3");
                    case "tlsv1", "tlsv1.1" -> throw new IllegalArgumentException("--ssl-version " + sslVersion
                            + " is not supported: TLS before 1.2 is broken (use tlsv1.2 or tlsv1.3)");
                    default -> throw new IllegalArgumentException("--ssl-version must be tlsv1.2, tlsv1.3 or "
                            + "tlsv1.3_nocompat: " + sslVersion);
                };
            }
            boolean tls = ssl || versions != null;
            if (!tls) {
                require(caCertFile == null && certFile == null && keyFile == null && ciphers == null,
                        "--cacertfile, --certfile, --keyfile and --ciphers need -S");
                return null;
            }
            require((certFile == null) == (keyFile == null), "--certfile and --keyfile go together");
            TlsContext.Builder builder = TlsContext.client()
                    .handshakeTimeout(java.time.Duration.ofSeconds(connectTimeout));
            if (caCertFile != null) {
                builder.trustedCertificates(caCertFile);
            } else {
                builder.trustAnyServer();
            }
            if (certFile != null) {
                builder.identity(certFile, keyFile);
            }
            if (versions != null) {
                builder.protocols(versions);
            }
            if (ciphers != null) {
                builder.cipherSuites(Arrays.stream(ciphers.split(",")).map(String::strip).filter(c -> !c.isEmpty())
                        .toList());
            }
            try {
                return builder.build();
            } catch (IOException e) {
                throw new IllegalArgumentException(e.getMessage(), e);
            }
        }
    }

    static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }

    /** Shared by the three subcommands: build the run, report a mistake in one line (status 2), run. */
    abstract static class Run implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        abstract BenchConfig config();

        @Override
        public Integer call() {
            CommandLine cl = spec.commandLine();
            BenchConfig config;
            try {
                config = config();
            } catch (IllegalArgumentException e) {
                cl.getErr().println("isthmus: " + e.getMessage() + " (see '" + spec.qualifiedName() + " --help')");
                cl.getErr().flush();
                return Main.EXIT_INVALID;
            }
            return MqttBench.run(config, cl.getOut(), cl.getErr());
        }
    }

    @Command(name = "conn", usageHelpAutoWidth = true, sortOptions = false,
            description = "Connects -c clients and holds them (keep-alive pings), printing connect_succ.")
    static final class Conn extends Run {
        @Mixin
        Common common;

        @Override
        BenchConfig config() {
            return common.config(BenchConfig.Mode.CONN, List.of(), 0, new byte[0], false, 0, 0, 0, false, 0);
        }
    }

    @Command(name = "sub", usageHelpAutoWidth = true, sortOptions = false,
            description = {"Connects -c clients that subscribe to -t and count what they receive.",
                    "On exit prints end-to-end latency percentiles of the messages stamped by `pub` (-s >= 8)."})
    static final class Sub extends Run {
        @Mixin
        Common common;

        @Option(names = {"-t", "--topic"}, required = true,
                description = "Topic filter to subscribe to; repeat for more (one SUBSCRIBE). Levels %%i, %%c, %%u are replaced.")
        List<String> topics;

        @Option(names = {"-q", "--qos"}, defaultValue = "0", description = "Subscription QoS. Default: ${DEFAULT-VALUE}.")
        int qos;

        @Option(names = "--expected-interval-us", defaultValue = "0",
                description = "Interval at which each publisher sends (e.g. pub -I 10 is 10000), for coordinated "
                        + "omission correction of the latency histogram; 0 = no correction. Default: ${DEFAULT-VALUE}.")
        long expectedIntervalMicros;

        @Override
        BenchConfig config() {
            require(expectedIntervalMicros >= 0, "--expected-interval-us must not be negative");
            for (String t : topics) {
                new TopicTemplate(t);
            }
            return common.config(BenchConfig.Mode.SUB, topics, qos, new byte[0], false, 0, 0, 0, false,
                    expectedIntervalMicros);
        }
    }

    @Command(name = "pub", usageHelpAutoWidth = true, sortOptions = false,
            description = {"Connects -c clients that each publish to -t every -I milliseconds.",
                    "With -s >= 8 the first 8 bytes of each payload are the send time (epoch nanoseconds) that `sub` measures latency from."})
    static final class Pub extends Run {
        @Mixin
        Common common;

        @Option(names = {"-t", "--topic"}, required = true,
                description = "Topic to publish to. Levels %%i, %%c, %%u and %%s (message sequence number) are replaced.")
        String topic;

        @Option(names = {"-I", "--interval_of_msg"}, defaultValue = "1000",
                description = "Milliseconds between two messages of a client; 0 = as fast as possible. Default: ${DEFAULT-VALUE}.")
        long messageInterval;

        @Option(names = {"-s", "--size"}, defaultValue = "256", description = "Payload size in bytes. Default: ${DEFAULT-VALUE}.")
        int size;

        @Option(names = {"-m", "--message"}, description = "Fixed payload (UTF-8) instead of -s bytes; carries no timestamp.")
        String message;

        @Option(names = {"-q", "--qos"}, defaultValue = "0", description = "QoS. Default: ${DEFAULT-VALUE}.")
        int qos;

        @Option(names = {"-r", "--retain"}, arity = "0..1", defaultValue = "false", fallbackValue = "true",
                description = "Publish with RETAIN. Default: ${DEFAULT-VALUE}.")
        boolean retain;

        @Option(names = {"-L", "--limit"}, defaultValue = "0",
                description = "Messages to publish in all (over all clients, as emqtt-bench counts); then the run "
                        + "ends once they are acknowledged. 0 = no limit. Default: ${DEFAULT-VALUE}.")
        long limit;

        @Option(names = {"-F", "--inflight"}, defaultValue = "1",
                description = "Unacknowledged QoS 1/2 messages per client; 0 = up to the broker's Receive Maximum. Default: ${DEFAULT-VALUE}.")
        int inflight;

        @Override
        BenchConfig config() {
            new TopicTemplate(topic);
            require(messageInterval >= 0, "-I must not be negative");
            require(size >= 0 && size <= 16 << 20, "-s must be 0..16777216: " + size);
            require(limit >= 0, "-L must not be negative");
            require(inflight >= 0 && inflight <= 65535, "-F must be 0..65535: " + inflight);
            byte[] payload;
            boolean stamp;
            if (message != null) {
                payload = message.getBytes(StandardCharsets.UTF_8);
                stamp = false;
            } else {
                payload = new byte[size];
                Arrays.fill(payload, (byte) 'a');
                stamp = size >= 8;
            }
            return common.config(BenchConfig.Mode.PUB, List.of(topic), qos, payload, stamp, messageInterval, limit,
                    inflight, retain, 0);
        }
    }
}
