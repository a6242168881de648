package dev.isthmus.core.tls;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * What one side of TLS needs, built once and shared by every event loop: the provider's
 * context with its keys and trust, the protocol versions and cipher suites, and how peers are
 * checked. {@link #newEngine} makes the {@link SSLEngine} of one connection; thread-safe.
 *
 * <p>Client side ({@link #client()}), defaults: TLS 1.2 and 1.3, the provider's cipher suites,
 * servers verified against the JDK's trust store and their name checked against the host
 * connected to (as HTTPS does: DNS names and IP addresses in the certificate's subject
 * alternative names). {@link Builder#trustAnyServer()} turns verification off, as load tools
 * do by default; a client certificate ({@link Builder#identity}) is offered when the server
 * asks for one.
 *
 * <p>Server side ({@link #server(Path, Path)}): the certificate chain and key are required;
 * client certificates are not asked for unless {@link Builder#requireClientCertificates} names
 * the CAs to check them against.
 *
 * <p>The provider is {@link TlsProvider#preferred()} (Conscrypt, else the JDK's) unless
 * {@link Builder#provider} says otherwise. Caveat: renegotiation is whatever the provider does
 * (Conscrypt refuses it); session resumption uses the provider's default cache.
 */
public final class TlsContext {
    /** The versions used unless {@link Builder#protocols} says otherwise; older ones are broken. */
    public static final List<String> DEFAULT_PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");
    /** How long a handshake may take unless {@link Builder#handshakeTimeout} says otherwise. */
    public static final Duration DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);

    private final boolean clientMode;
    private final TlsProvider provider;
    private final SSLContext context;
    private final String[] protocols;
    private final String[] cipherSuites;
    private final boolean verifyHostName;
    private final boolean needClientAuth;
    private final long handshakeTimeoutNanos;

    private TlsContext(Builder builder, SSLContext context) {
        this.clientMode = builder.clientMode;
        this.provider = builder.provider;
        this.context = context;
        this.protocols = builder.protocols.toArray(String[]::new);
        this.cipherSuites = builder.cipherSuites == null ? null : builder.cipherSuites.toArray(String[]::new);
        this.verifyHostName = clientMode && !builder.trustAnyServer && builder.verifyHostName;
        this.needClientAuth = !clientMode && builder.trustFile != null;
        this.handshakeTimeoutNanos = builder.handshakeTimeout.toNanos();
    }

    /** The client side of TLS: verifies servers against the JDK's trust store unless told otherwise. */
    public static Builder client() {
        return new Builder(true);
    }

    /** The server side of TLS with the certificate chain (leaf first) and private key of two PEM files. */
    public static Builder server(Path certificateChain, Path privateKey) {
        return new Builder(false).identity(certificateChain, privateKey);
    }

    public boolean isClient() {
        return clientMode;
    }

    public TlsProvider provider() {
        return provider;
    }

    public long handshakeTimeoutNanos() {
        return handshakeTimeoutNanos;
    }

    /** The protocol versions offered, newest first. */
    public List<String> protocols() {
        return List.of(protocols);
    }

    /**
     * The engine of one connection. {@code peerHost} (the name or address connected to, for a
     * client; may be null for a server) is what a client sends as SNI (when it is a name) and
     * checks the server's certificate against.
     */
    public SSLEngine newEngine(String peerHost, int peerPort) {
        SSLEngine engine = peerHost == null ? context.createSSLEngine() : context.createSSLEngine(peerHost, peerPort);
        engine.setUseClientMode(clientMode);
        SSLParameters parameters = engine.getSSLParameters();
        parameters.setProtocols(protocols);
        if (cipherSuites != null) {
            parameters.setCipherSuites(cipherSuites);
        }
        if (verifyHostName) {
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
        }
        if (needClientAuth) {
            parameters.setNeedClientAuth(true);
        }
        engine.setSSLParameters(parameters);
        return engine;
    }

    @Override
    public String toString() {
        return (clientMode ? "TLS client" : "TLS server") + " (" + provider.name() + ", " + String.join("/", protocols) + ")";
    }

    /** Collects the settings; {@link #build()} loads the files and checks them. */
    public static final class Builder {
        private final boolean clientMode;
        private TlsProvider provider;
        private Path chainFile;
        private Path keyFile;
        private Path trustFile;
        private boolean trustAnyServer;
        private boolean verifyHostName = true;
        private List<String> protocols = DEFAULT_PROTOCOLS;
        private List<String> cipherSuites;
        private Duration handshakeTimeout = DEFAULT_HANDSHAKE_TIMEOUT;

        private Builder(boolean clientMode) {
            this.clientMode = clientMode;
        }

        /** Which engine implementation to use; default {@link TlsProvider#preferred()}. */
        public Builder provider(TlsProvider provider) {
            this.provider = Objects.requireNonNull(provider);
            return this;
        }

        /** This side's certificate chain (leaf first) and private key, PEM files (see {@link Pem}). */
        public Builder identity(Path certificateChain, Path privateKey) {
            this.chainFile = Objects.requireNonNull(certificateChain);
            this.keyFile = Objects.requireNonNull(privateKey);
            return this;
        }

        /** Client: verify servers against the CA certificates of this PEM file instead of the JDK's trust store. */
        public Builder trustedCertificates(Path caFile) {
            requireClient("trustedCertificates");
            this.trustFile = Objects.requireNonNull(caFile);
            return this;
        }

        /** Client: accept any server certificate (no verification at all): for load tests, never in production. */
        public Builder trustAnyServer() {
            requireClient("trustAnyServer");
            this.trustAnyServer = true;
            return this;
        }

        /** Client: whether the server's certificate must name the host connected to (default true when verifying). */
        public Builder verifyHostName(boolean verify) {
            requireClient("verifyHostName");
            this.verifyHostName = verify;
            return this;
        }

        /** Server: ask every client for a certificate and accept only those these CAs (a PEM file) issued. */
        public Builder requireClientCertificates(Path caFile) {
            if (clientMode) {
                throw new IllegalStateException("requireClientCertificates is for the server side");
            }
            this.trustFile = Objects.requireNonNull(caFile);
            return this;
        }

        /** Protocol versions ("TLSv1.3", "TLSv1.2"); default {@link TlsContext#DEFAULT_PROTOCOLS}. */
        public Builder protocols(List<String> versions) {
            if (versions.isEmpty()) {
                throw new IllegalArgumentException("at least one protocol version");
            }
            this.protocols = List.copyOf(versions);
            return this;
        }

        /** Cipher suites by their IANA names (TLS_AES_128_GCM_SHA256, ...); default: the provider's. */
        public Builder cipherSuites(List<String> suites) {
            if (suites.isEmpty()) {
                throw new IllegalArgumentException("at least one cipher suite");
            }
            this.cipherSuites = List.copyOf(suites);
            return this;
        }

        /** How long a handshake may take before the connection fails; default 10 s. */
        public Builder handshakeTimeout(Duration timeout) {
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("the handshake timeout must be positive");
            }
            this.handshakeTimeout = timeout;
            return this;
        }

        private void requireClient(String setting) {
            if (!clientMode) {
                throw new IllegalStateException(setting + " is for the client side");
            }
        }

        /**
         * Loads the key material and checks the settings against the provider.
         *
         * @throws IOException a file that cannot be read or parsed, or a version or cipher
         *                     suite the provider does not have (the message names it)
         */
        public TlsContext build() throws IOException {
            if (provider == null) {
                provider = TlsProvider.preferred();
            }
            try {
                SSLContext context = provider.newContext();
                context.init(keyManagers(), trustManagers(), null);
                TlsContext built = new TlsContext(this, context);
                check(context);
                return built;
            } catch (GeneralSecurityException e) {
                throw new IOException("TLS setup failed: " + e.getMessage(), e);
            }
        }

        /** Names a version or cipher suite the provider does not support, rather than failing every handshake later. */
        private void check(SSLContext context) throws IOException {
            SSLParameters supported = context.getSupportedSSLParameters();
            List<String> versions = Arrays.asList(supported.getProtocols());
            for (String version : protocols) {
                if (!versions.contains(version)) {
                    throw new IOException("TLS version " + version + " is not supported by " + provider.name()
                            + " (it has " + String.join(", ", versions) + ")");
                }
            }
            if (cipherSuites != null) {
                List<String> suites = Arrays.asList(supported.getCipherSuites());
                for (String suite : cipherSuites) {
                    if (!suites.contains(suite)) {
                        throw new IOException("cipher suite " + suite + " is not supported by " + provider.name()
                                + " (IANA names, e.g. TLS_AES_128_GCM_SHA256)");
                    }
                }
            }
        }

        private KeyManager[] keyManagers() throws IOException, GeneralSecurityException {
            if (chainFile == null) {
                return null;
            }
            List<X509Certificate> chain = Pem.certificates(chainFile);
            PrivateKey key = Pem.privateKey(keyFile);
            if (!belongTogether(key, chain.getFirst())) {
                throw new IOException(keyFile + " is not the private key of the first certificate in " + chainFile);
            }
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            char[] password = new char[0];
            store.setKeyEntry("identity", key, password, chain.toArray(X509Certificate[]::new));
            KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            factory.init(store, password);
            return factory.getKeyManagers();
        }

        private TrustManager[] trustManagers() throws IOException, GeneralSecurityException {
            if (clientMode && trustAnyServer) {
                return new TrustManager[] {new AnyServer()};
            }
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            if (trustFile == null) {
                factory.init((KeyStore) null); // the JDK's trust store
            } else {
                KeyStore store = KeyStore.getInstance("PKCS12");
                store.load(null, null);
                int n = 0;
                for (X509Certificate ca : Pem.certificates(trustFile)) {
                    store.setCertificateEntry("ca-" + n++, ca);
                }
                factory.init(store);
            }
            TrustManager[] managers = factory.getTrustManagers();
            for (int i = 0; i < managers.length; i++) {
                if (managers[i] instanceof X509ExtendedTrustManager jdk) {
                    managers[i] = new JdkTrust(jdk);
                }
            }
            return managers;
        }

        /** Whether {@code key} signs what {@code certificate}'s public key verifies: the two belong together. */
        private static boolean belongTogether(PrivateKey key, X509Certificate certificate) {
            String algorithm = switch (key.getAlgorithm()) {
                case "RSA" -> "SHA256withRSA";
                case "EC" -> "SHA256withECDSA";
                case "Ed25519", "Ed448", "EdDSA" -> key.getAlgorithm();
                default -> null;
            };
            if (algorithm == null) {
                return true; // nothing to check with here; the handshake is the judge
            }
            try {
                byte[] probe = "isthmus key check".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
                Signature signer = Signature.getInstance(algorithm);
                signer.initSign(key);
                signer.update(probe);
                byte[] signature = signer.sign();
                Signature verifier = Signature.getInstance(algorithm);
                verifier.initVerify(certificate.getPublicKey());
                verifier.update(probe);
                return verifier.verify(signature);
            } catch (GeneralSecurityException e) {
                return false;
            }
        }
    }

    /**
     * The JDK's trust checks for any provider. Conscrypt names the TLS 1.3 key exchange
     * "GENERIC", which the JDK's checker does not know ("Unknown authType: GENERIC"); the JDK
     * itself calls it "UNKNOWN".
     */
    private static final class JdkTrust extends X509ExtendedTrustManager {
        private final X509ExtendedTrustManager jdk;

        JdkTrust(X509ExtendedTrustManager jdk) {
            this.jdk = jdk;
        }

        private static String jdkName(String authType) {
            return "GENERIC".equals(authType) ? "UNKNOWN" : authType;
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws java.security.cert.CertificateException {
            jdk.checkClientTrusted(chain, jdkName(authType), socket);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws java.security.cert.CertificateException {
            jdk.checkServerTrusted(chain, jdkName(authType), socket);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws java.security.cert.CertificateException {
            jdk.checkClientTrusted(chain, jdkName(authType), engine);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws java.security.cert.CertificateException {
            jdk.checkServerTrusted(chain, jdkName(authType), engine);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType)
                throws java.security.cert.CertificateException {
            jdk.checkClientTrusted(chain, jdkName(authType));
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType)
                throws java.security.cert.CertificateException {
            jdk.checkServerTrusted(chain, jdkName(authType));
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return jdk.getAcceptedIssuers();
        }
    }

    /** Accepts every server: no chain, name or date is checked. */
    private static final class AnyServer extends X509ExtendedTrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
