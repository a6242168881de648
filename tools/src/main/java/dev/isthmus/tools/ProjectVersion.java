package dev.isthmus.tools;

import picocli.CommandLine.IVersionProvider;

import java.io.IOException;
import java.io.InputStream;
import java.util.Objects;
import java.util.Properties;

/** Answers {@code --version} with the Maven project version, which the build writes into a resource. */
final class ProjectVersion implements IVersionProvider {
    @Override
    public String[] getVersion() throws IOException {
        Properties properties = new Properties();
        try (InputStream in = Objects.requireNonNull(ProjectVersion.class.getResourceAsStream("version.properties"),
                "version.properties is missing from the build")) {
            properties.load(in);
        }
        return new String[] {"isthmus " + properties.getProperty("version")};
    }
}
