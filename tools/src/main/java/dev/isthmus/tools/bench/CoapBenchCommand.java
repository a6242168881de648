package dev.isthmus.tools.bench;

import dev.isthmus.tools.Main;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.util.Arrays;
import java.util.concurrent.Callable;

import static dev.isthmus.tools.bench.BenchCommand.require;

/**
 * {@code isthmus bench coap get|post|put|observe}: a CoAP (RFC 7252) load generator over UDP,
 * closed loop (each client keeps {@code --outstanding} requests in flight) or at a fixed rate
 * ({@code -R}, latency from the scheduled send time, so corrected for coordinated omission),
 * with the MQTT bench's per-interval lines and a summary a script can parse.
 */
@Command(name = "coap", usageHelpAutoWidth = true,
        subcommands = {CoapBenchCommand.Get.class, CoapBenchCommand.Post.class, CoapBenchCommand.Put.class,
                CoapBenchCommand.Observe.class},
        description = {"CoAP clients over UDP, each on a socket of its own; every -I seconds "
                + "`<elapsed> <counter> total=N rate=R/sec` for each counter that changed",
                "(sent recv notify observe observe_fail retrans timeout error rst dup drop), "
                        + "then a summary: a human line, latency percentiles and one `summary key=value ...` line."})
public final class CoapBenchCommand implements Callable<Integer> {
    @Option(names = "--help", usageHelp = true, description = "Show this help and exit.")
    boolean help;

    @Spec
    private CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return Main.EXIT_INVALID;
    }

    /** The flags every mode takes. */
    static final class Common {
        @Option(names = "--help", usageHelp = true, description = "Show this help and exit.")
        boolean help;

        @Option(names = {"-h", "--host"}, defaultValue = "localhost",
                description = "CoAP server host name or IP address. Default: ${DEFAULT-VALUE}.")
        String host;

        @Option(names = {"-p", "--port"}, defaultValue = "5683", description = "Server UDP port. Default: ${DEFAULT-VALUE}.")
        int port;

        @Option(names = {"-c", "--clients"}, defaultValue = "10",
                description = "Clients (observe: observers), each with its own UDP socket and source port. "
                        + "Default: ${DEFAULT-VALUE}.")
        int clients;

        @Option(names = "--path", defaultValue = "/", description = "Request path. Default: ${DEFAULT-VALUE}.")
        String path;

        @Option(names = "--con", description = "Confirmable requests (the default).")
        boolean con;

        @Option(names = "--non", description = "Non-confirmable requests: no retransmission.")
        boolean non;

        @Option(names = {"-R", "--rate"}, paramLabel = "RATE", defaultValue = "0",
                description = "Requests per second over all senders at a fixed rate (open loop): latency runs from "
                        + "each request's scheduled send time, corrected for coordinated omission. 0 = closed loop, "
                        + "each sender keeping --outstanding requests in flight. Default: ${DEFAULT-VALUE}.")
        double rate;

        @Option(names = "--outstanding", paramLabel = "K",
                description = "Requests in flight per sender: the closed loop's window (default 1), the open "
                        + "loop's cap (default 256; a request due while its sender is full waits, and its wait counts "
                        + "in its latency).")
        Integer outstanding;

        @Option(names = {"-d", "--duration"}, paramLabel = "SECONDS", defaultValue = "0",
                description = "Stop after this many seconds; 0 runs until -N requests are answered, or until Ctrl-C "
                        + "(SIGINT) or SIGTERM. Default: ${DEFAULT-VALUE}.")
        long duration;

        @Option(names = {"-N", "--count"}, paramLabel = "COUNT", defaultValue = "0",
                description = "Requests in all, over every sender; the run ends once each is answered or timed out. "
                        + "0 = no limit. Default: ${DEFAULT-VALUE}.")
        long count;

        @Option(names = "--ack-timeout", paramLabel = "SECONDS", defaultValue = "2",
                description = "ACK_TIMEOUT: a CON waits 1 to 1.5 (ACK_RANDOM_FACTOR) times this for its ACK before "
                        + "it is sent again. Default: ${DEFAULT-VALUE}.")
        double ackTimeout;

        @Option(names = "--max-retransmit", defaultValue = "4",
                description = "MAX_RETRANSMIT: retransmissions of a CON, each after twice the last wait. "
                        + "Default: ${DEFAULT-VALUE}.")
        int maxRetransmit;

        @Option(names = "--timeout", paramLabel = "SECONDS",
                description = "From a request's first transmission until, unanswered, it counts as a timeout. "
                        + "Default: MAX_TRANSMIT_WAIT of --ack-timeout and --max-retransmit (93 s with theirs).")
        Double timeout;

        @Option(names = {"-I", "--report-interval"}, paramLabel = "SECONDS", defaultValue = "1",
                description = "Seconds between two lines of counters. Default: ${DEFAULT-VALUE}.")
        long reportInterval;

        @Option(names = "--loops", defaultValue = "1",
                description = "Threads the clients are spread over (one selector each). Default: ${DEFAULT-VALUE}.")
        int loops;

        CoapBenchConfig config(CoapBenchConfig.Mode mode, int size, int publishers) {
            require(port >= 1 && port <= 65535, "-p must be 1..65535: " + port);
            require(clients >= 1 && clients <= 100_000, "-c must be 1..100000: " + clients);
            require(path.startsWith("/"), "--path must start with /: " + path);
            require(!(con && non), "--con and --non exclude each other");
            require(rate >= 0 && Double.isFinite(rate), "-R must not be negative");
            require(outstanding == null || (outstanding >= 1 && outstanding <= 16_384),
                    "--outstanding must be 1..16384: " + outstanding);
            require(duration >= 0, "-d must not be negative");
            require(count >= 0, "-N must not be negative");
            require(ackTimeout >= 0.001 && ackTimeout <= 600, "--ack-timeout must be 0.001..600 seconds: " + ackTimeout);
            require(maxRetransmit >= 0 && maxRetransmit <= 20, "--max-retransmit must be 0..20: " + maxRetransmit);
            require(timeout == null || (timeout > 0 && timeout <= 3600), "--timeout must be above 0, at most 3600 seconds");
            require(reportInterval >= 1, "-I must be at least 1 second");
            require(loops >= 1 && loops <= 64, "--loops must be 1..64: " + loops);
            require(size >= 0 && size <= 65_000, "-s must be 0..65000: " + size);
            require(publishers >= 0 && publishers <= 100_000, "--publishers must be 0..100000: " + publishers);
            require(mode != CoapBenchConfig.Mode.OBSERVE || count == 0 || publishers > 0,
                    "-N counts the publishers' requests: it needs --publishers of at least 1");
            long ackTimeoutNanos = (long) (ackTimeout * 1e9);
            long timeoutNanos = timeout != null ? (long) (timeout * 1e9)
                    : CoapBenchConfig.maxTransmitWaitNanos(ackTimeoutNanos, maxRetransmit);
            int window = outstanding != null ? outstanding : rate > 0 ? 256 : 1;
            byte[] payload = new byte[size];
            Arrays.fill(payload, (byte) 'a');
            return new CoapBenchConfig(mode, host, port, clients, publishers, path, !non, rate, window, duration, count,
                    payload, ackTimeoutNanos, maxRetransmit, timeoutNanos, reportInterval, loops);
        }
    }

    /** Shared by the subcommands: build the run, report a mistake in one line (status 2), run. */
    abstract static class Run implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        abstract CoapBenchConfig config();

        @Override
        public Integer call() {
            CommandLine cl = spec.commandLine();
            CoapBenchConfig config;
            try {
                config = config();
            } catch (IllegalArgumentException e) {
                cl.getErr().println("isthmus: " + e.getMessage() + " (see '" + spec.qualifiedName() + " --help')");
                cl.getErr().flush();
                return Main.EXIT_INVALID;
            }
            return CoapBench.run(config, cl.getOut(), cl.getErr());
        }
    }

    @Command(name = "get", usageHelpAutoWidth = true, sortOptions = false,
            description = "GET --path from -c clients; counts and times the responses.")
    static final class Get extends Run {
        @Mixin
        Common common;

        @Override
        CoapBenchConfig config() {
            return common.config(CoapBenchConfig.Mode.GET, 0, 0);
        }
    }

    @Command(name = "post", usageHelpAutoWidth = true, sortOptions = false,
            description = "POST -s bytes to --path from -c clients; counts and times the responses.")
    static final class Post extends Run {
        @Mixin
        Common common;

        @Option(names = {"-s", "--size"}, defaultValue = "16", description = "Payload bytes. Default: ${DEFAULT-VALUE}.")
        int size;

        @Override
        CoapBenchConfig config() {
            return common.config(CoapBenchConfig.Mode.POST, size, 0);
        }
    }

    @Command(name = "put", usageHelpAutoWidth = true, sortOptions = false,
            description = "PUT -s bytes to --path from -c clients; counts and times the responses.")
    static final class Put extends Run {
        @Mixin
        Common common;

        @Option(names = {"-s", "--size"}, defaultValue = "16", description = "Payload bytes. Default: ${DEFAULT-VALUE}.")
        int size;

        @Override
        CoapBenchConfig config() {
            return common.config(CoapBenchConfig.Mode.PUT, size, 0);
        }
    }

    @Command(name = "observe", usageHelpAutoWidth = true, sortOptions = false,
            description = {"-c observers register on --path (GET with Observe 0), then --publishers PUT -s bytes to it "
                    + "(at -R in all, or closed loop); the first 8 bytes of each payload are its send time (epoch "
                    + "nanoseconds; the scheduled time with -R).",
                    "Every notification counts (notify), its latency is receive time minus that time; CON "
                            + "notifications are acknowledged. At the end the observers deregister (Observe 1)."})
    static final class Observe extends Run {
        @Mixin
        Common common;

        @Option(names = "--publishers", paramLabel = "P", defaultValue = "1",
                description = "Clients that PUT to --path; 0 observes what others publish. Default: ${DEFAULT-VALUE}.")
        int publishers;

        @Option(names = {"-s", "--size"}, defaultValue = "16",
                description = "Payload bytes of the PUTs; 8 or more carry the send time. Default: ${DEFAULT-VALUE}.")
        int size;

        @Override
        CoapBenchConfig config() {
            return common.config(CoapBenchConfig.Mode.OBSERVE, size, publishers);
        }
    }
}
