package dev.isthmus.core.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.isthmus.core.testing.TestCertificates;

/** PEM files as openssl writes them: every key form it uses by default, chains, and the mistakes people make. */
class PemTest {
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
    void readsPkcs1Sec1AndPkcs8Keys() throws IOException {
        assertTrue(Files.readString(certificates.serverKey()).contains("BEGIN RSA PRIVATE KEY"));
        assertEquals("RSA", Pem.privateKey(certificates.serverKey()).getAlgorithm());
        assertTrue(Files.readString(certificates.clientKey()).contains("BEGIN EC PRIVATE KEY"));
        assertEquals("EC", Pem.privateKey(certificates.clientKey()).getAlgorithm());
        assertTrue(Files.readString(certificates.file("elsewhere.key")).contains("BEGIN PRIVATE KEY"));
        assertEquals("EC", Pem.privateKey(certificates.file("elsewhere.key")).getAlgorithm());
    }

    @Test
    void theKeysAreTheCertificatesOwn() throws Exception {
        for (String name : List.of("server", "client", "elsewhere")) {
            PrivateKey key = Pem.privateKey(certificates.file(name + ".key"));
            X509Certificate certificate = Pem.certificates(certificates.file(name + ".pem")).getFirst();
            String algorithm = key.getAlgorithm().equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
            java.security.Signature signer = java.security.Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(new byte[] {1, 2, 3});
            byte[] signature = signer.sign();
            java.security.Signature verifier = java.security.Signature.getInstance(algorithm);
            verifier.initVerify(certificate);
            verifier.update(new byte[] {1, 2, 3});
            assertTrue(verifier.verify(signature), name);
        }
    }

    @Test
    void aChainFileKeepsItsOrder(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
        Path chain = dir.resolve("chain.pem");
        Files.writeString(chain, "leaf first\n" + Files.readString(certificates.serverCertificate()) + "\n"
                + Files.readString(certificates.ca()));
        List<X509Certificate> read = Pem.certificates(chain);
        assertEquals(2, read.size());
        assertEquals("CN=localhost", read.get(0).getSubjectX500Principal().getName());
        assertEquals("CN=Isthmus Test CA", read.get(1).getSubjectX500Principal().getName());
    }

    @Test
    void mistakesAreNamed(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        IOException noCertificate = assertThrows(IOException.class, () -> Pem.certificates(certificates.serverKey()));
        assertTrue(noCertificate.getMessage().contains("no PEM certificate"), noCertificate.getMessage());
        IOException noKey = assertThrows(IOException.class, () -> Pem.privateKey(certificates.ca()));
        assertTrue(noKey.getMessage().contains("no PEM private key"), noKey.getMessage());

        Path encrypted = dir.resolve("encrypted.key");
        Process p = new ProcessBuilder(TestCertificates.OPENSSL.toString(), "pkey", "-in",
                certificates.file("elsewhere.key").toString(), "-aes256", "-passout", "pass:secret", "-out",
                encrypted.toString()).redirectErrorStream(true).start();
        assertEquals(0, p.waitFor(), new String(p.getInputStream().readAllBytes()));
        IOException locked = assertThrows(IOException.class, () -> Pem.privateKey(encrypted));
        assertTrue(locked.getMessage().contains("is encrypted"), locked.getMessage());

        Path truncated = dir.resolve("truncated.pem");
        Files.writeString(truncated, Files.readString(certificates.ca()).replace("-----END CERTIFICATE-----", ""));
        IOException cut = assertThrows(IOException.class, () -> Pem.certificates(truncated));
        assertTrue(cut.getMessage().contains("without its end line"), cut.getMessage());
    }
}
