package dev.isthmus.tools;

import dev.isthmus.core.config.CoapConfig;
import dev.isthmus.core.config.IsthmusConfig;
import dev.isthmus.core.config.MqttConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

/**
 * {@code isthmus run}: merges flags and file into one configuration and runs the gateway on it.
 * It is also what a bare {@code isthmus [options]} does, see {@link Main}.
 */
@Command(name = "run", mixinStandardHelpOptions = true, versionProvider = ProjectVersion.class,
        sortOptions = false, usageHelpAutoWidth = true,
        description = {"Runs the gateway (the default command: `isthmus [options]` is `isthmus run [options]`).",
                "Flags override the values of the --config file. Exit status 2 on a mistake in flags or file."})
final class RunCommand implements Callable<Integer> {
    private static final System.Logger LOG = System.getLogger(RunCommand.class.getName());

    @Mixin
    private RunOptions options;

    @Spec
    private CommandSpec spec;

    @Override
    public Integer call() {
        return run(options, spec.commandLine().getErr());
    }

    /** Reports each mistake as one line on {@code err} and returns 2, or runs the gateway. */
    static int run(RunOptions options, PrintWriter err) {
        IsthmusConfig config;
        try {
            config = options.effectiveConfig();
        } catch (InvalidOptionsException e) {
            e.messages().forEach(err::println);
            err.flush();
            return Main.EXIT_INVALID;
        }
        if (options.usesDefaultListeners()) {
            LOG.log(System.Logger.Level.INFO, "no --config and no listener flag: listening on the defaults, "
                    + "HTTP {0}, MQTT {1} (embedded broker), CoAP UDP {2} and admin {3}",
                    IsthmusConfig.DEFAULT_HTTP_LISTEN, MqttConfig.DEFAULT_LISTEN, CoapConfig.DEFAULT_LISTEN,
                    IsthmusConfig.DEFAULT_ADMIN_LISTEN);
        }
        return Gateway.run(config);
    }
}
