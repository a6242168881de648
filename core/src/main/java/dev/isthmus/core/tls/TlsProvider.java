package dev.isthmus.core.tls;

import java.security.NoSuchAlgorithmException;
import java.security.Provider;

import javax.net.ssl.SSLContext;

import org.conscrypt.Conscrypt;

/**
 * Where the {@link javax.net.ssl.SSLEngine}s come from: Conscrypt (BoringSSL through JNI, the
 * faster engine and the one Isthmus prefers) or the JDK's own provider.
 *
 * <p>{@link #preferred()} is Conscrypt when its native library loads on this machine (it ships
 * inside the Conscrypt jar for Linux, macOS and Windows on x86-64) and otherwise the JDK's
 * provider, said once in a WARNING line with the reason. The choice is made once per process.
 * Conscrypt is used as a provider object only, never installed into the JDK's provider list,
 * so nothing else in the process changes its TLS implementation.
 */
public final class TlsProvider {
    private static final System.Logger LOG = System.getLogger(TlsProvider.class.getName());
    private static final TlsProvider JDK = new TlsProvider("JDK", null);
    private static volatile TlsProvider preferred;

    private final String name;
    /** Null for the JDK's default provider. */
    private final Provider provider;

    private TlsProvider(String name, Provider provider) {
        this.name = name;
        this.provider = provider;
    }

    /** Conscrypt if it can load here, else the JDK's provider (one WARNING line saying why). */
    public static TlsProvider preferred() {
        TlsProvider chosen = preferred;
        if (chosen == null) {
            synchronized (TlsProvider.class) {
                chosen = preferred;
                if (chosen == null) {
                    String reason = conscryptUnavailableReason();
                    if (reason == null) {
                        chosen = new TlsProvider("Conscrypt", Conscrypt.newProvider());
                    } else {
                        LOG.log(System.Logger.Level.WARNING, "Conscrypt is unavailable (" + reason
                                + "); TLS uses the JDK's provider");
                        chosen = JDK;
                    }
                    preferred = chosen;
                }
            }
        }
        return chosen;
    }

    /** The JDK's own provider (SunJSSE). */
    public static TlsProvider jdk() {
        return JDK;
    }

    /**
     * Conscrypt, insisting.
     *
     * @throws IllegalStateException when its native library cannot load here
     */
    public static TlsProvider conscrypt() {
        TlsProvider chosen = preferred();
        if (chosen.provider == null) {
            throw new IllegalStateException("Conscrypt is unavailable: " + conscryptUnavailableReason());
        }
        return chosen;
    }

    private static String conscryptUnavailableReason() {
        try {
            Conscrypt.checkAvailability();
            return null;
        } catch (Throwable t) {
            Throwable cause = t.getCause() != null ? t.getCause() : t;
            return cause.getClass().getSimpleName() + ": " + cause.getMessage();
        }
    }

    /** "Conscrypt" or "JDK", for logs. */
    public String name() {
        return name;
    }

    /** A new, uninitialised TLS context of this provider. */
    SSLContext newContext() throws NoSuchAlgorithmException {
        return provider == null ? SSLContext.getInstance("TLS") : SSLContext.getInstance("TLS", provider);
    }

    @Override
    public String toString() {
        return name;
    }
}
