package dev.isthmus.tools;

import dev.isthmus.core.config.ConfigException;
import dev.isthmus.core.config.ConfigLoader;
import dev.isthmus.core.config.ConfigProblem;
import dev.isthmus.core.config.IsthmusConfig;
import dev.isthmus.core.config.MqttConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code isthmus check --config FILE}: validates a file as {@code isthmus run --config FILE}
 * would use it, printing {@code FILE:LINE: message} on stderr for each mistake (exit status 2)
 * or one {@code FILE: OK (...)} line on stdout (exit status 0).
 *
 * <p>A file that names no listener at all is refused too, because run would refuse it.
 */
@Command(name = "check", mixinStandardHelpOptions = true, versionProvider = ProjectVersion.class,
        usageHelpAutoWidth = true,
        description = {"Validates a configuration file and names the line of each mistake.",
                "Exit status 0 when the file is valid, 2 when it is not."})
final class CheckCommand implements Callable<Integer> {
    @Option(names = "--config", paramLabel = "FILE", required = true,
            description = "YAML configuration file to validate. Default: none, required.")
    private Path configFile;

    @Spec
    private CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        IsthmusConfig config;
        try {
            config = ConfigLoader.load(configFile);
        } catch (ConfigException e) {
            e.problems().forEach(err::println);
            err.flush();
            return Main.EXIT_INVALID;
        }
        if (config.listenerCount() == 0) {
            err.println(new ConfigProblem(configFile, 0,
                    "no listeners; add http.listen, mqtt.listen or an admin section"));
            err.flush();
            return Main.EXIT_INVALID;
        }
        MqttConfig mqtt = config.mqtt();
        String mqttMode = mqtt.listeners().isEmpty() ? ""
                : mqtt.usesEmbeddedBroker() ? ", MQTT broker" + bridges(mqtt.bridges().size())
                : ", MQTT proxy to " + mqtt.upstreams().size() + " brokers";
        out.println(configFile + ": OK (" + config.listenerCount() + " listeners, " + config.upstreams().size()
                + " upstream groups, " + config.effectiveRoutes().size() + " routes" + mqttMode + ")");
        out.flush();
        return 0;
    }

    private static String bridges(int count) {
        return count == 0 ? "" : count == 1 ? " with 1 bridge" : " with " + count + " bridges";
    }
}
