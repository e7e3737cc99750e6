package dev.azurekeyvaultissuer.pki;

import java.math.BigInteger;
import java.time.Instant;
import java.util.Objects;

/**
 * One entry of a revocation list: the certificate's serial number (unique under one CA), when it was revoked, and why.
 * Times are kept to the second, as a CRL encodes them.
 */
public record RevokedCertificate(BigInteger serialNumber, Instant revokedAt, RevocationReason reason) {

    public RevokedCertificate {
        Objects.requireNonNull(serialNumber, "serialNumber");
        if (serialNumber.signum() <= 0) {
            throw new IllegalArgumentException("a certificate serial number is a positive integer");
        }
        revokedAt = Objects.requireNonNull(revokedAt, "revokedAt").truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        Objects.requireNonNull(reason, "reason");
    }

    /** The serial number as hex, the way openssl prints it. */
    public String serialHex() {
        return serialNumber.toString(16).toUpperCase(java.util.Locale.ROOT);
    }

    /**
     * Parses a serial number written in hex, with or without colons or a 0x prefix, as openssl and browsers show it.
     *
     * @throws IllegalArgumentException when it is not a positive hex number of at most 20 octets (RFC 5280 4.1.2.2)
     */
    public static BigInteger parseSerial(String text) {
        String hex = text == null ? "" : text.strip().replace(":", "");
        if (hex.startsWith("0x") || hex.startsWith("0X")) {
            hex = hex.substring(2);
        }
        if (hex.isEmpty() || hex.length() > 40 || !hex.matches("[0-9A-Fa-f]+")) {
            throw new IllegalArgumentException(
                    "a serial number is hex digits (colons allowed), at most 20 octets, e.g. 4F:1A:...");
        }
        BigInteger serial = new BigInteger(hex, 16);
        if (serial.signum() <= 0) {
            throw new IllegalArgumentException("a certificate serial number is a positive integer");
        }
        return serial;
    }
}
