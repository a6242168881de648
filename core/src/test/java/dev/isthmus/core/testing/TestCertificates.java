package dev.isthmus.core.testing;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A throwaway certificate authority and the certificates it issued, made by the real
 * {@code openssl} command in a directory of their own (deleted on close), for TLS tests
 * against peers nobody here wrote (the JDK's SSLSocket, mosquitto). A missing
 * {@code /usr/bin/openssl} fails the test with how to install it; it never skips.
 *
 * <p>Files, all PEM: {@code ca.pem}; the server's {@code server.pem} (names {@code localhost}
 * and {@code 127.0.0.1}) with an RSA key in PKCS#1 form ({@code server.key}); a client's
 * {@code client.pem} with an EC key in SEC1 form ({@code client.key}); {@code elsewhere.pem}
 * (names only {@code elsewhere.example}, PKCS#8 key {@code elsewhere.key}); and
 * {@code other-ca.pem}, a CA that issued none of them. The three key forms are the ones
 * openssl writes by default in one version or another. PKCS#12 copies of the server and
 * client identities let a JDK peer load them without our PEM reader. Everything is readable by
 * every user (throwaway keys), so a broker that drops its privileges can read them.
 */
public final class TestCertificates implements AutoCloseable {
    public static final Path OPENSSL = Path.of("/usr/bin/openssl");
    /** The PKCS#12 files' password. */
    public static final String PASSWORD = "changeit";

    private final Path directory;

    private TestCertificates(Path directory) {
        this.directory = directory;
    }

    public static TestCertificates create() throws IOException, InterruptedException {
        assertTrue(Files.isExecutable(OPENSSL), "this test makes certificates with the real openssl, expected at "
                + OPENSSL + " (Debian: apt-get install openssl, as .ci/run does)");
        TestCertificates certificates = new TestCertificates(Files.createTempDirectory("isthmus-tls-"));
        certificates.make();
        return certificates;
    }

    private void make() throws IOException, InterruptedException {
        authority("ca", "Isthmus Test CA");
        authority("other-ca", "Isthmus Other CA");
        openssl("genrsa", "-traditional", "-out", "server.key", "2048");
        issue("server", "localhost", "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n");
        openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "client.key");
        issue("client", "bench-client", "extendedKeyUsage=clientAuth\n");
        openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "elsewhere.key");
        issue("elsewhere", "elsewhere.example", "subjectAltName=DNS:elsewhere.example\nextendedKeyUsage=serverAuth\n");
        for (String name : List.of("server", "client", "elsewhere")) {
            openssl("pkcs12", "-export", "-in", name + ".pem", "-inkey", name + ".key", "-name", name,
                    "-out", name + ".p12", "-passout", "pass:" + PASSWORD);
        }
        // Readable by all: a broker started as root (mosquitto) reads them after dropping to its own user.
        Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwxr-xr-x"));
        try (Stream<Path> files = Files.list(directory)) {
            for (Path file : files.toList()) {
                Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
            }
        }
    }

    private void authority(String name, String commonName) throws IOException, InterruptedException {
        openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", name + ".key");
        openssl("req", "-x509", "-new", "-key", name + ".key", "-subj", "/CN=" + commonName, "-days", "2",
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
                "-out", name + ".pem");
    }

    private void issue(String name, String commonName, String extensions) throws IOException, InterruptedException {
        Files.writeString(directory.resolve(name + ".ext"), "basicConstraints=CA:FALSE\n" + extensions);
        openssl("req", "-new", "-key", name + ".key", "-subj", "/CN=" + commonName, "-out", name + ".csr");
        openssl("x509", "-req", "-in", name + ".csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-set_serial",
                Long.toString(System.nanoTime() & Long.MAX_VALUE), "-days", "2", "-extfile", name + ".ext",
                "-out", name + ".pem");
    }

    private void openssl(String... arguments) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(OPENSSL.toString());
        command.addAll(List.of(arguments));
        Process process = new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            fail(String.join(" ", command) + " failed:\n" + output);
        }
    }

    public Path directory() {
        return directory;
    }

    /** A file of this set by name ("ca.pem", "server.key", ...). */
    public Path file(String name) {
        return directory.resolve(name);
    }

    public Path ca() {
        return file("ca.pem");
    }

    public Path otherCa() {
        return file("other-ca.pem");
    }

    public Path serverCertificate() {
        return file("server.pem");
    }

    public Path serverKey() {
        return file("server.key");
    }

    public Path clientCertificate() {
        return file("client.pem");
    }

    public Path clientKey() {
        return file("client.key");
    }

    /**
     * A JDK (SunJSSE) context for a peer: {@code identity} ("server", "client" or null for none)
     * from its PKCS#12 file, trusting the certificates of {@code trustedPem} (or null: the JDK's
     * trust store).
     */
    public SSLContext jdkContext(String identity, Path trustedPem) throws IOException, GeneralSecurityException {
        KeyManagerFactory keys = null;
        if (identity != null) {
            KeyStore store = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(file(identity + ".p12"))) {
                store.load(in, PASSWORD.toCharArray());
            }
            keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keys.init(store, PASSWORD.toCharArray());
        }
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        if (trustedPem == null) {
            trust.init((KeyStore) null);
        } else {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            try (InputStream in = Files.newInputStream(trustedPem)) {
                int n = 0;
                for (var certificate : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                    store.setCertificateEntry("trusted-" + n++, certificate);
                }
            }
            trust.init(store);
        }
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keys == null ? null : keys.getKeyManagers(), trust.getTrustManagers(), null);
        return context;
    }

    @Override
    public void close() throws IOException {
        try (Stream<Path> files = Files.walk(directory)) {
            for (Path path : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }
}
