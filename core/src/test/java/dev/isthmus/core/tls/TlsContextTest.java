package dev.isthmus.core.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.isthmus.core.testing.TestCertificates;

/** Building a TLS side names each mistake before any handshake could stumble on it. */
class TlsContextTest {
    private static TestCertificates certificates;

    @BeforeAll
    static void makeCertificates() throws Exception {
        certificates = TestCertificates.create();
    }

    @AfterAll
    static void deleteCertificates() throws IOException {
        if (certificates != null) {
            certificates.close();
        }
    }

    @Test
    void aKeyThatIsNotTheCertificatesIsRefused() {
        IOException e = assertThrows(IOException.class, () -> TlsContext
                .server(certificates.serverCertificate(), certificates.clientKey()).build());
        assertTrue(e.getMessage().contains("is not the private key of the first certificate"), e.getMessage());
    }

    @Test
    void versionsAndSuitesTheProviderLacksAreNamed() {
        IOException version = assertThrows(IOException.class, () -> TlsContext.client().protocols(List.of("TLSv9"))
                .build());
        assertTrue(version.getMessage().contains("TLS version TLSv9 is not supported"), version.getMessage());
        IOException suite = assertThrows(IOException.class, () -> TlsContext.client()
                .cipherSuites(List.of("ECDHE-RSA-AES128-GCM-SHA256")).build());
        assertTrue(suite.getMessage().contains("cipher suite ECDHE-RSA-AES128-GCM-SHA256 is not supported"),
                suite.getMessage());
    }

    @Test
    void defaultsAreTls13And12WithThePreferredProvider() throws IOException {
        TlsContext client = TlsContext.client().trustAnyServer().build();
        assertEquals(List.of("TLSv1.3", "TLSv1.2"), client.protocols());
        assertEquals(TlsProvider.preferred(), client.provider());
        assertEquals("Conscrypt", TlsProvider.preferred().name(), "Conscrypt's native library loads on this machine");
        assertTrue(client.isClient());
        TlsContext server = TlsContext.server(certificates.serverCertificate(), certificates.serverKey()).build();
        assertEquals(10_000_000_000L, server.handshakeTimeoutNanos());
    }

    @Test
    void sideSpecificSettingsAreRefusedOnTheOtherSide() {
        assertThrows(IllegalStateException.class, () -> TlsContext.server(certificates.serverCertificate(),
                certificates.serverKey()).trustAnyServer());
        assertThrows(IllegalStateException.class, () -> TlsContext.client().requireClientCertificates(certificates.ca()));
    }
}
