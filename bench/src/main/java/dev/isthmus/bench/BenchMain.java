package dev.isthmus.bench;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.CommandLineOptionException;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * JMH entry point that appends the engine's JVM flags to every fork. The flags come from the
 * parent pom (property {@code isthmus.jvm.flags}) through a filtered resource, so they are
 * written down once. Takes the usual JMH command line, e.g. {@code -prof gc RequestHeadParse}.
 */
public final class BenchMain {
    private BenchMain() {
    }

    public static void main(String[] args) throws IOException, RunnerException, CommandLineOptionException {
        Properties jvm = new Properties();
        try (InputStream in = BenchMain.class.getResourceAsStream("/isthmus-jvm.properties")) {
            jvm.load(in);
        }
        String[] flags = jvm.getProperty("flags").trim().split("\\s+");
        CommandLineOptions commandLine = new CommandLineOptions(args);
        new Runner(new OptionsBuilder().parent(commandLine).jvmArgsAppend(flags).build()).run();
    }
}
