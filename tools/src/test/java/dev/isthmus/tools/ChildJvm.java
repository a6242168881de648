package dev.isthmus.tools;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Java program run the way a user runs it: a separate JVM (the same {@code java} binary as
 * the tests, the test class path plus any extra entries, the engine's JVM flags), with stdout
 * and stderr collected line by line so a test can wait for a line (a bound address) and show
 * everything the child printed when an assertion fails.
 *
 * <p>Timeouts here are deadlines that keep a broken build from hanging, not assertions about
 * speed: each is generous and failing one fails the test with the child's output.
 */
final class ChildJvm implements AutoCloseable {
    /** The JVM flags the engine needs: the same as the parent pom's {@code isthmus.jvm.flags} and the README's. */
    static final List<String> ENGINE_FLAGS =
            List.of("--enable-native-access=ALL-UNNAMED", "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED");
    /**
     * The engine's flags without native access: no {@code --enable-native-access}, and
     * {@code --illegal-native-access=deny}, so the JVM refuses every FFM downcall from the
     * class path (as a deployment that forbids native code would) instead of only warning.
     */
    static final List<String> NO_NATIVE_ACCESS_FLAGS =
            List.of("--illegal-native-access=deny", "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED");
    /** How long to wait for a line the child should print soon (a JVM start, a listener bound). */
    static final Duration STARTUP = Duration.ofSeconds(60);

    /** {@code INFO  Gateway: admin listening on 127.0.0.1:41235 (/metrics, /healthz)}. */
    static final Pattern ADMIN_LISTENING = Pattern.compile("Gateway: admin listening on (\\S+):(\\d+) ");

    private final Process process;
    private final String description;
    private final List<String> lines = new ArrayList<>();
    private final Thread[] readers;

    private ChildJvm(Process process, String description) {
        this.process = process;
        this.description = description;
        this.readers = new Thread[] {reader("stdout", process.getInputStream()), reader("stderr", process.getErrorStream())};
    }

    /**
     * Starts {@code mainClass} with {@code args}, the engine's flags and {@code jvmOptions};
     * {@code extraClassPath} entries come before the test class path.
     */
    static ChildJvm start(List<String> jvmOptions, List<Path> extraClassPath, String mainClass, List<String> args)
            throws IOException {
        return start(ENGINE_FLAGS, jvmOptions, extraClassPath, mainClass, args);
    }

    private static ChildJvm start(List<String> engineFlags, List<String> jvmOptions, List<Path> extraClassPath,
                                  String mainClass, List<String> args) throws IOException {
        String java = ProcessHandle.current().info().command()
                .orElseThrow(() -> new IllegalStateException("cannot tell which java binary runs the tests"));
        List<String> classPath = new ArrayList<>();
        extraClassPath.forEach(path -> classPath.add(path.toString()));
        classPath.add(System.getProperty("java.class.path"));
        List<String> command = new ArrayList<>();
        command.add(java);
        command.addAll(engineFlags);
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(String.join(File.pathSeparator, classPath));
        command.add(mainClass);
        command.addAll(args);
        Process process = new ProcessBuilder(command).start();
        process.getOutputStream().close();
        return new ChildJvm(process, mainClass + " " + String.join(" ", args));
    }

    /**
     * Starts the isthmus CLI ({@link Main}) with {@code args}, as {@code ./isthmus} runs it: with
     * the launcher's default JVM options (its small heap and direct-memory caps included).
     */
    static ChildJvm isthmus(String... args) throws IOException {
        return start(launcherOptions(), List.of(), Main.class.getName(), List.of(args));
    }

    /** Starts the isthmus CLI like {@link #isthmus}, in a JVM that refuses native access. */
    static ChildJvm isthmusWithoutNativeAccess(String... args) throws IOException {
        return start(NO_NATIVE_ACCESS_FLAGS, launcherOptions(), List.of(), Main.class.getName(), List.of(args));
    }

    /** The JVM options the {@code isthmus} launcher at the repository root uses unless told otherwise. */
    static List<String> launcherOptions() throws IOException {
        Path launcher = Path.of(System.getProperty("basedir", ".")).resolve("../isthmus").normalize();
        Matcher matcher = Pattern.compile("(?m)^default_opts\\+?=\"([^\"]*)\"").matcher(Files.readString(launcher));
        StringBuilder options = new StringBuilder();
        while (matcher.find()) {
            options.append(' ').append(matcher.group(1));
        }
        if (options.isEmpty()) {
            throw new AssertionError(launcher + " sets no default_opts=\"...\" any more; update this test");
        }
        return List.of(options.toString().trim().split("\\s+"));
    }

    private Thread reader(String stream, InputStream in) {
        return Thread.ofPlatform().daemon().name("child-" + stream).start(() -> {
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                for (String line; (line = reader.readLine()) != null; ) {
                    synchronized (lines) {
                        lines.add(line);
                        lines.notifyAll();
                    }
                }
            } catch (IOException e) {
                // The child was destroyed: its output ends here.
            }
        });
    }

    /** Waits for the first line (stdout or stderr, from the beginning) that {@code pattern} finds something in. */
    Matcher await(Pattern pattern, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        int seen = 0;
        synchronized (lines) {
            while (true) {
                for (; seen < lines.size(); seen++) {
                    Matcher matcher = pattern.matcher(lines.get(seen));
                    if (matcher.find()) {
                        return matcher;
                    }
                }
                long left = deadline - System.nanoTime();
                if (left <= 0 || (!process.isAlive() && readersDone())) {
                    throw new AssertionError("no line matching /" + pattern + "/ within " + timeout.toSeconds()
                            + " s (child " + (process.isAlive() ? "running" : "exited " + process.exitValue())
                            + ")\n" + output());
                }
                lines.wait(Math.max(1, Math.min(TimeUnit.NANOSECONDS.toMillis(left), 100)));
            }
        }
    }

    /**
     * The real address of listener {@code listenerName}, from the line the engine logs when it
     * binds: {@code INFO  Server: http 127.0.0.1:0 listening on 127.0.0.1:41234 (2 loops, io: nio)},
     * or {@code ... listening on UDP 127.0.0.1:5683 (...)} for a datagram listener.
     */
    InetSocketAddress listenerAddress(String listenerName) throws InterruptedException {
        Matcher matcher = await(Pattern.compile("Server: " + Pattern.quote(listenerName)
                + " listening on (?:UDP )?(\\S+):(\\d+) \\("), STARTUP);
        return new InetSocketAddress(matcher.group(1), Integer.parseInt(matcher.group(2)));
    }

    /** The admin listener's address, from the line the gateway logs. */
    InetSocketAddress adminAddress() throws InterruptedException {
        Matcher matcher = await(ADMIN_LISTENING, STARTUP);
        return new InetSocketAddress(matcher.group(1), Integer.parseInt(matcher.group(2)));
    }

    private boolean readersDone() {
        for (Thread reader : readers) {
            if (reader.isAlive()) {
                return false;
            }
        }
        return true;
    }

    /** Everything the child printed so far, stdout and stderr interleaved as they arrived. */
    String output() {
        synchronized (lines) {
            return "---- " + description + " ----\n" + String.join("\n", lines) + "\n---- end ----";
        }
    }

    Process process() {
        return process;
    }

    /**
     * Asks the child to stop the way a supervisor does: SIGTERM. Sent through the process
     * handle, because {@link Process#destroy()}, which sends the same signal on Linux, also
     * closes our ends of the child's pipes: everything it logs while shutting down would be lost.
     */
    void terminate() {
        if (!process.toHandle().destroy()) {
            throw new AssertionError("could not send SIGTERM to the child\n" + output());
        }
    }

    /** Waits for the child to exit and returns its status; fails with its output if it does not exit in time. */
    int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("child still running " + timeout.toSeconds() + " s later\n" + output());
        }
        for (Thread reader : readers) {
            reader.join(TimeUnit.SECONDS.toMillis(5));
        }
        return process.exitValue();
    }

    /** Kills the child if it is still running (SIGKILL: a test that gets here has already failed or finished). */
    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }
    }
}
