package dev.isthmus.core.tls;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Certificates and private keys from PEM files, the format mosquitto, nginx and openssl use.
 *
 * <p>Certificates: every {@code CERTIFICATE} block of a file, in order (a chain file holds the
 * leaf first). Private keys: unencrypted PKCS#8 ({@code PRIVATE KEY}, what {@code openssl
 * genpkey} and OpenSSL 3's {@code genrsa} write), PKCS#1 ({@code RSA PRIVATE KEY}) and SEC1
 * ({@code EC PRIVATE KEY}, what {@code openssl ecparam -genkey} writes). Encrypted keys are
 * refused with how to decrypt them: a gateway that starts unattended has nobody to ask for a
 * passphrase.
 */
public final class Pem {
    private static final String BEGIN = "-----BEGIN ";
    private static final String END = "-----END ";
    private static final String DASHES = "-----";
    /** DER of the algorithm identifiers PKCS#1 and SEC1 keys are wrapped in to make PKCS#8. */
    private static final byte[] RSA_ALGORITHM = {
        0x30, 0x0d, 0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00};
    private static final byte[] EC_PUBLIC_KEY_OID = {0x06, 0x07, 0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x02, 0x01};
    private static final String[] KEY_ALGORITHMS = {"RSA", "EC", "Ed25519", "Ed448", "RSASSA-PSS"};

    private Pem() {
    }

    /** One {@code -----BEGIN label-----} block: its label and its decoded bytes. */
    record Block(String label, byte[] der, boolean encrypted) {
    }

    /** The certificates of {@code file}, in file order; at least one. */
    public static List<X509Certificate> certificates(Path file) throws IOException {
        List<X509Certificate> certificates = new ArrayList<>();
        try {
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            for (Block block : blocks(file)) {
                if (block.label().equals("CERTIFICATE") || block.label().equals("TRUSTED CERTIFICATE")) {
                    certificates.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(block.der())));
                }
            }
        } catch (CertificateException e) {
            throw new IOException(file + ": not a valid certificate: " + e.getMessage(), e);
        }
        if (certificates.isEmpty()) {
            throw new IOException(file + ": no PEM certificate in it (expected -----BEGIN CERTIFICATE-----)");
        }
        return certificates;
    }

    /** The private key of {@code file} (its first key block). */
    public static PrivateKey privateKey(Path file) throws IOException {
        for (Block block : blocks(file)) {
            byte[] pkcs8 = switch (block.label()) {
                case "PRIVATE KEY" -> block.der();
                case "RSA PRIVATE KEY" -> wrapPkcs1(block.der());
                case "EC PRIVATE KEY" -> wrapSec1(file, block.der());
                case "ENCRYPTED PRIVATE KEY" -> throw encrypted(file);
                default -> null;
            };
            if (pkcs8 == null) {
                continue;
            }
            if (block.encrypted()) {
                throw encrypted(file);
            }
            return decodePkcs8(file, pkcs8);
        }
        throw new IOException(file + ": no PEM private key in it (expected -----BEGIN PRIVATE KEY-----)");
    }

    private static IOException encrypted(Path file) {
        return new IOException(file + ": the private key is encrypted; decrypt it first, e.g. "
                + "openssl pkey -in " + file.getFileName() + " -out key.pem");
    }

    private static PrivateKey decodePkcs8(Path file, byte[] pkcs8) throws IOException {
        PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(pkcs8);
        for (String algorithm : KEY_ALGORITHMS) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(spec);
            } catch (GeneralSecurityException notThisOne) {
                // the next algorithm, until one takes it
            }
        }
        throw new IOException(file + ": a private key of an unsupported algorithm (RSA, EC, Ed25519 and Ed448 are)");
    }

    /** Every PEM block of {@code file}. */
    static List<Block> blocks(Path file) throws IOException {
        String text = Files.readString(file, StandardCharsets.US_ASCII);
        List<Block> blocks = new ArrayList<>();
        int at = 0;
        while ((at = text.indexOf(BEGIN, at)) >= 0) {
            int labelEnd = text.indexOf(DASHES, at + BEGIN.length());
            if (labelEnd < 0) {
                break;
            }
            String label = text.substring(at + BEGIN.length(), labelEnd);
            String end = END + label + DASHES;
            int bodyStart = labelEnd + DASHES.length();
            int bodyEnd = text.indexOf(end, bodyStart);
            if (bodyEnd < 0) {
                throw new IOException(file + ": '" + BEGIN + label + DASHES + "' without its end line");
            }
            StringBuilder base64 = new StringBuilder();
            boolean encrypted = false;
            for (String line : text.substring(bodyStart, bodyEnd).split("\r?\n")) {
                if (line.indexOf(':') >= 0) {
                    // RFC 1421 headers: Proc-Type: 4,ENCRYPTED marks a key with a passphrase.
                    encrypted |= line.startsWith("Proc-Type:") && line.contains("ENCRYPTED");
                } else {
                    base64.append(line.strip());
                }
            }
            try {
                blocks.add(new Block(label, Base64.getDecoder().decode(base64.toString()), encrypted));
            } catch (IllegalArgumentException e) {
                throw new IOException(file + ": bad base64 in the " + label + " block", e);
            }
            at = bodyEnd + end.length();
        }
        return blocks;
    }

    /** PrivateKeyInfo { version 0, rsaEncryption, OCTET STRING { RSAPrivateKey } }. */
    private static byte[] wrapPkcs1(byte[] pkcs1) {
        return sequence(new byte[] {0x02, 0x01, 0x00}, RSA_ALGORITHM, tagged(0x04, pkcs1));
    }

    /**
     * PrivateKeyInfo { version 0, { id-ecPublicKey, curve }, OCTET STRING { ECPrivateKey } };
     * the curve is the ECPrivateKey's own {@code [0] parameters}, which openssl always writes.
     */
    private static byte[] wrapSec1(Path file, byte[] sec1) throws IOException {
        Der key = new Der(sec1, 0);
        Der fields = key.enter(0x30);
        fields.skip(0x02); // version
        fields.skip(0x04); // the private key
        if (!fields.at(0xa0)) {
            throw new IOException(file + ": an EC key without its curve; convert it with openssl pkcs8 -topk8 -nocrypt");
        }
        byte[] curve = fields.enter(0xa0).element(0x06);
        return sequence(new byte[] {0x02, 0x01, 0x00}, sequence(EC_PUBLIC_KEY_OID, curve), tagged(0x04, sec1));
    }

    private static byte[] sequence(byte[]... parts) {
        ByteArrayOutputStream content = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            content.writeBytes(part);
        }
        return tagged(0x30, content.toByteArray());
    }

    private static byte[] tagged(int tag, byte[] content) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(content.length + 6);
        out.write(tag);
        int length = content.length;
        if (length < 0x80) {
            out.write(length);
        } else {
            int bytes = (32 - Integer.numberOfLeadingZeros(length) + 7) / 8;
            out.write(0x80 | bytes);
            for (int i = bytes - 1; i >= 0; i--) {
                out.write(length >>> (8 * i));
            }
        }
        out.writeBytes(content);
        return out.toByteArray();
    }

    /** Just enough of a DER reader to find the curve of an ECPrivateKey. */
    private static final class Der {
        private final byte[] bytes;
        private final int end;
        private int at;

        Der(byte[] bytes, int at) {
            this(bytes, at, bytes.length);
        }

        private Der(byte[] bytes, int at, int end) {
            this.bytes = bytes;
            this.at = at;
            this.end = end;
        }

        boolean at(int tag) {
            return at < end && (bytes[at] & 0xff) == tag;
        }

        /** The content of the element at hand, which must have {@code tag}, as a reader of its own. */
        Der enter(int tag) throws IOException {
            int[] header = header(tag);
            at = header[1];
            return new Der(bytes, header[0], header[1]);
        }

        void skip(int tag) throws IOException {
            at = header(tag)[1];
        }

        /** The element at hand, header included. */
        byte[] element(int tag) throws IOException {
            int start = at;
            at = header(tag)[1];
            return java.util.Arrays.copyOfRange(bytes, start, at);
        }

        /** {content start, content end} of the element at hand. */
        private int[] header(int tag) throws IOException {
            if (!at(tag) || at + 2 > end) {
                throw new IOException("malformed key (DER)");
            }
            int length = bytes[at + 1] & 0xff;
            int content = at + 2;
            if (length >= 0x80) {
                int count = length & 0x7f;
                if (count > 3 || content + count > end) {
                    throw new IOException("malformed key (DER)");
                }
                length = 0;
                for (int i = 0; i < count; i++) {
                    length = (length << 8) | (bytes[content++] & 0xff);
                }
            }
            if (content + length > end) {
                throw new IOException("malformed key (DER)");
            }
            return new int[] {content, content + length};
        }
    }
}
