package dev.azurekeyvaultissuer.pki;

import java.io.ByteArrayInputStream;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

/**
 * PEM (RFC 7468) as this issuer reads and writes it: strict, bounded, and quiet about content. Text around the blocks
 * ("explanatory text", e.g. {@code openssl x509 -text} output) is ignored; inside a block only base64 is allowed
 * (no RFC 1421 headers). Errors are {@link IllegalArgumentException}s whose messages never quote the input, so
 * callers can pass them on to users.
 */
public final class Pem {

    public static final String CERTIFICATE = "CERTIFICATE";
    public static final String CERTIFICATE_REQUEST = "CERTIFICATE REQUEST";
    /** The label older tools (Windows certreq, keytool) write for a PKCS#10 request; RFC 7468 section 7. */
    public static final String NEW_CERTIFICATE_REQUEST = "NEW CERTIFICATE REQUEST";

    private static final String BEGIN = "-----BEGIN ";
    private static final String END = "-----END ";
    private static final String DASHES = "-----";
    private static final int LINE_LENGTH = 64;

    private Pem() {}

    /** One decoded block: its label (e.g. {@code CERTIFICATE}) and the DER bytes. */
    public record Block(String label, byte[] der) {
        public Block {
            der = der.clone();
        }

        @Override
        public byte[] der() {
            return der.clone();
        }
    }

    /**
     * Decodes every PEM block in {@code text}.
     *
     * @param maxChars inputs longer than this are refused before any parsing
     * @throws IllegalArgumentException when the text is too long, a block is unterminated or its body is not base64
     */
    public static List<Block> decode(String text, int maxChars) {
        if (text == null) {
            throw new IllegalArgumentException("no PEM data");
        }
        if (text.length() > maxChars) {
            throw new IllegalArgumentException(
                    "PEM data is " + text.length() + " characters long, more than the limit of " + maxChars);
        }
        List<Block> blocks = new ArrayList<>();
        String label = null;
        StringBuilder body = new StringBuilder();
        for (String rawLine : text.split("\r\n|\r|\n", -1)) {
            String line = rawLine.strip();
            if (label == null) {
                if (line.startsWith(BEGIN)) {
                    label = labelOf(line, BEGIN);
                    body.setLength(0);
                }
                continue;
            }
            if (line.startsWith(END)) {
                String endLabel = labelOf(line, END);
                if (!endLabel.equals(label)) {
                    throw new IllegalArgumentException("PEM block \"" + label + "\" ends with a different label");
                }
                blocks.add(new Block(label, base64(body, label)));
                label = null;
            } else if (line.startsWith(BEGIN)) {
                throw new IllegalArgumentException("PEM block \"" + label + "\" has no END line");
            } else if (line.indexOf(':') >= 0) {
                throw new IllegalArgumentException(
                        "PEM block \"" + label + "\" carries headers, which are not supported");
            } else {
                body.append(line);
            }
        }
        if (label != null) {
            throw new IllegalArgumentException("PEM block \"" + label + "\" has no END line");
        }
        return blocks;
    }

    /** Decodes a PEM text that must hold only CERTIFICATE blocks, at least one, in the order given. */
    public static List<X509Certificate> decodeCertificates(String text, int maxChars) {
        List<Block> blocks = decode(text, maxChars);
        if (blocks.isEmpty()) {
            throw new IllegalArgumentException("no PEM CERTIFICATE block found");
        }
        List<X509Certificate> certificates = new ArrayList<>(blocks.size());
        for (int i = 0; i < blocks.size(); i++) {
            Block block = blocks.get(i);
            if (!CERTIFICATE.equals(block.label())) {
                throw new IllegalArgumentException("PEM block " + (i + 1) + " is a \"" + block.label()
                        + "\", not a CERTIFICATE: only certificates belong here");
            }
            try {
                certificates.add(certificate(block.der()));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("PEM block " + (i + 1) + ": " + e.getMessage(), e);
            }
        }
        return certificates;
    }

    /**
     * Parses one DER certificate with the JDK, refusing trailing bytes (the JDK would silently ignore them).
     *
     * @throws IllegalArgumentException when the bytes are not exactly one X.509 certificate
     */
    public static X509Certificate certificate(byte[] der) {
        X509Certificate certificate;
        try {
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            certificate = (X509Certificate) factory.generateCertificate(new ByteArrayInputStream(der));
        } catch (CertificateException | RuntimeException e) {
            throw new IllegalArgumentException("not a parsable X.509 certificate", e);
        }
        byte[] encoded;
        try {
            encoded = certificate.getEncoded();
        } catch (CertificateEncodingException e) {
            throw new IllegalArgumentException("not a parsable X.509 certificate", e);
        }
        if (!Arrays.equals(encoded, der)) {
            throw new IllegalArgumentException("not a DER-encoded X.509 certificate (trailing or non-DER bytes)");
        }
        return certificate;
    }

    /** One PEM block with 64-character lines and {@code \n} line ends, as RFC 7468 section 2 prefers. */
    public static String encode(String label, byte[] der) {
        String base64 = Base64.getEncoder().encodeToString(der);
        StringBuilder out = new StringBuilder(base64.length() + base64.length() / LINE_LENGTH + 64);
        out.append(BEGIN).append(label).append(DASHES).append('\n');
        for (int i = 0; i < base64.length(); i += LINE_LENGTH) {
            out.append(base64, i, Math.min(base64.length(), i + LINE_LENGTH)).append('\n');
        }
        out.append(END).append(label).append(DASHES).append('\n');
        return out.toString();
    }

    public static String encode(X509Certificate certificate) {
        try {
            return encode(CERTIFICATE, certificate.getEncoded());
        } catch (CertificateEncodingException e) {
            throw new IllegalStateException("a parsed certificate could not be re-encoded", e);
        }
    }

    /** The certificates' PEM blocks concatenated in order; empty for an empty list. */
    public static String encode(List<X509Certificate> certificates) {
        StringBuilder out = new StringBuilder();
        for (X509Certificate certificate : certificates) {
            out.append(encode(certificate));
        }
        return out.toString();
    }

    private static String labelOf(String line, String prefix) {
        if (!line.endsWith(DASHES) || line.length() < prefix.length() + DASHES.length()) {
            throw new IllegalArgumentException("malformed PEM boundary line");
        }
        String label = line.substring(prefix.length(), line.length() - DASHES.length());
        if (label.isEmpty()
                || label.length() > 64
                || !label.chars().allMatch(c -> c >= 0x21 && c <= 0x7e || c == ' ')
                || label.contains(DASHES)) {
            throw new IllegalArgumentException("malformed PEM boundary line");
        }
        return label;
    }

    private static byte[] base64(CharSequence body, String label) {
        if (body.length() == 0) {
            throw new IllegalArgumentException("PEM block \"" + label + "\" is empty");
        }
        try {
            return Base64.getDecoder().decode(body.toString());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("PEM block \"" + label + "\" is not valid base64");
        }
    }
}
