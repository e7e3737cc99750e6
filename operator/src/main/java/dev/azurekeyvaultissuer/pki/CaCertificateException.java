package dev.azurekeyvaultissuer.pki;

/**
 * The CA certificate or chain cannot be used to issue. {@link #reason()} is a short CamelCase code for the issuer's
 * {@code Ready=False} condition; the message says what to fix, naming certificates by subject, never by content.
 */
public class CaCertificateException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** Not PEM, not a certificate, empty, or carrying something other than certificates. */
    public static final String INVALID = "CACertificateInvalid";
    /** The signing certificate is not a CA: no basicConstraints cA=true, or keyUsage without keyCertSign. */
    public static final String NOT_CA = "CACertificateNotCA";
    /** A certificate of the chain is expired or not yet valid. */
    public static final String EXPIRED = "CACertificateExpired";
    /** The CA certificate's public key is not the vault key's. */
    public static final String KEY_MISMATCH = "CACertificateKeyMismatch";
    /** The certificates do not form one chain whose signatures verify. */
    public static final String CHAIN_INVALID = "CAChainInvalid";

    private final String reason;

    public CaCertificateException(String reason, String message) {
        super(message);
        this.reason = reason;
    }

    public CaCertificateException(String reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public String reason() {
        return reason;
    }
}
