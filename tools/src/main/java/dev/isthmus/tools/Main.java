package dev.isthmus.tools;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.UnmatchedArgumentException;

import java.util.concurrent.Callable;
import java.util.logging.ConsoleHandler;
import java.util.logging.Handler;
import java.util.logging.Logger;

/**
 * Entry point of the {@code isthmus} command: {@code isthmus [run] [options]} and
 * {@code isthmus check --config FILE}.
 *
 * <p>{@code run} is the default command: the top-level command carries the same options and
 * does the same thing, so {@code isthmus --listen :8080} needs no {@code run}. Every mistake is
 * one line on stderr and exit status {@value #EXIT_INVALID}, whether picocli finds it (an
 * unknown option) or the configuration merge does.
 */
@Command(name = "isthmus", mixinStandardHelpOptions = true, versionProvider = ProjectVersion.class,
        sortOptions = false, usageHelpAutoWidth = true,
        subcommands = {RunCommand.class, CheckCommand.class, dev.isthmus.tools.bench.BenchCommand.class},
        customSynopsis = {"isthmus [run] [OPTIONS]", "       isthmus check --config FILE",
                "       isthmus bench mqtt|coap MODE [OPTIONS]"},
        description = "A proxy for IoT edges. Without a command it runs the gateway, as `isthmus run` does; "
                + "with no options at all it serves HTTP on 0.0.0.0:8080 from a built-in demo origin, MQTT on "
                + "0.0.0.0:1883 with the embedded broker, CoAP on UDP 0.0.0.0:5683 with device resources and the "
                + "broker's topics, and the admin API on 127.0.0.1:9901. Flags override the values of the --config file. "
                + "Exit status 2 on a mistake in flags or file.")
public final class Main implements Callable<Integer> {
    /** Exit status for any mistake in the command line or the configuration, as picocli uses for usage errors. */
    public static final int EXIT_INVALID = CommandLine.ExitCode.USAGE;

    @Mixin
    private RunOptions options;

    @Spec
    private CommandSpec spec;

    public static void main(String[] args) {
        configureLogging();
        System.exit(commandLine().execute(args));
    }

    /** The whole command tree with isthmus's error reporting; tests execute it with their own streams. */
    public static CommandLine commandLine() {
        CommandLine commandLine = new CommandLine(new Main());
        commandLine.setParameterExceptionHandler(Main::reportUsageError);
        return commandLine;
    }

    @Override
    public Integer call() {
        return RunCommand.run(options, spec.commandLine().getErr());
    }

    /** One line instead of picocli's message plus the whole usage text, which buries the mistake. */
    private static int reportUsageError(ParameterException e, String[] args) {
        CommandLine commandLine = e.getCommandLine();
        StringBuilder line = new StringBuilder("isthmus: ").append(e.getMessage());
        if (e instanceof UnmatchedArgumentException unmatched && !unmatched.getSuggestions().isEmpty()) {
            line.append("; did you mean ").append(String.join(" or ", unmatched.getSuggestions())).append('?');
        }
        line.append(" (see '").append(commandLine.getCommandSpec().qualifiedName()).append(" --help')");
        commandLine.getErr().println(line);
        commandLine.getErr().flush();
        return EXIT_INVALID;
    }

    /**
     * Routes System.Logger (backed by java.util.logging) to stderr in {@link OneLineLogFormat}.
     * A logging configuration given with {@code -Djava.util.logging.config.file} is left alone.
     */
    static void configureLogging() {
        if (System.getProperty("java.util.logging.config.file") != null
                || System.getProperty("java.util.logging.config.class") != null) {
            return;
        }
        Logger root = Logger.getLogger("");
        for (Handler handler : root.getHandlers()) {
            root.removeHandler(handler);
        }
        ConsoleHandler console = new ConsoleHandler();
        console.setFormatter(new OneLineLogFormat());
        root.addHandler(console);
    }
}
