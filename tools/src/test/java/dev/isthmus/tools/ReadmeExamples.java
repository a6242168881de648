package dev.isthmus.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;

/** The README's examples as a reader would copy them: sections, their fenced blocks, and compiling them. */
final class ReadmeExamples {
    static final Path README = Path.of(System.getProperty("basedir", ".")).resolve("../README.md").normalize();

    private ReadmeExamples() {
    }

    /** A fenced block of the README: its text and the README line its first line is on. */
    record Block(String language, String text, int firstLine) {
    }

    /** The README's section under {@code heading} (a whole {@code ## } line), up to the next {@code ## }. */
    static String section(String heading) throws IOException {
        String readme = Files.readString(README);
        int start = readme.indexOf("\n" + heading + "\n");
        assertTrue(start >= 0, README + " has no section '" + heading + "'");
        int end = readme.indexOf("\n## ", start + 1);
        return readme.substring(start + 1, end < 0 ? readme.length() : end);
    }

    /** The one fenced block of {@code language} in the section under {@code heading}. */
    static Block onlyBlock(String heading, String language) throws IOException {
        String readme = Files.readString(README);
        String section = section(heading);
        int sectionLine = lineOf(readme, readme.indexOf("\n" + heading + "\n") + 1);
        List<Block> blocks = new ArrayList<>();
        Matcher fence = Pattern.compile("(?ms)^```(\\w*)\\n(.*?)^```$").matcher(section);
        while (fence.find()) {
            if (fence.group(1).equals(language)) {
                blocks.add(new Block(language, fence.group(2), sectionLine + lineOf(section, fence.start(2)) - 1));
            }
        }
        assertEquals(1, blocks.size(), "expected exactly one ```" + language + " block in '" + heading + "'");
        return blocks.getFirst();
    }

    /** 1-based line number of {@code offset} in {@code text}. */
    private static int lineOf(String text, int offset) {
        return (int) text.substring(0, offset).chars().filter(c -> c == '\n').count() + 1;
    }

    /**
     * Compiles the example as a file of its own under {@code work} (warnings are errors),
     * reporting mistakes at their README lines; returns the classes directory.
     */
    static Path compile(Path work, String className, Block example) throws IOException {
        JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
        assertNotNull(compiler, "no system Java compiler: the tests need a JDK, not a JRE");
        Path sources = Files.createDirectories(work.resolve("src"));
        Path classes = Files.createDirectories(work.resolve("classes"));
        Path source = Files.writeString(sources.resolve(className + ".java"), example.text());
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        try (StandardJavaFileManager files = compiler.getStandardFileManager(diagnostics, Locale.ROOT, null)) {
            List<String> options = List.of("-d", classes.toString(), "-classpath", System.getProperty("java.class.path"),
                    "--release", String.valueOf(Runtime.version().feature()),
                    // "path": jars on the test class path name manifest Class-Path entries that do not exist.
                    "-Xlint:all,-path,-processing", "-Werror", "-proc:none");
            boolean compiled = compiler.getTask(null, files, diagnostics, options, null,
                    files.getJavaFileObjects(source)).call();
            StringBuilder report = new StringBuilder();
            for (Diagnostic<? extends JavaFileObject> diagnostic : diagnostics.getDiagnostics()) {
                long line = diagnostic.getLineNumber();
                report.append(README.getFileName()).append(':')
                        .append(line > 0 ? String.valueOf(example.firstLine() + line - 1) : "?").append(": ")
                        .append(diagnostic.getKind().toString().toLowerCase(Locale.ROOT)).append(": ")
                        .append(diagnostic.getMessage(Locale.ROOT)).append('\n');
            }
            assertTrue(compiled && report.isEmpty(), "the README's example does not compile cleanly:\n" + report);
        }
        return classes;
    }

    /** The class a java block declares public. */
    static String publicClass(Block example) {
        Matcher declaration = Pattern.compile("(?m)^public (?:final )?class (\\w+)").matcher(example.text());
        assertTrue(declaration.find(), "the README's java block declares no public class");
        return declaration.group(1);
    }
}
