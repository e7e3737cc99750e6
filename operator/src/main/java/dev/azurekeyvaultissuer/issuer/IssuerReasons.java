package dev.azurekeyvaultissuer.issuer;

/** Reasons of an issuer's Ready condition. Each names what to fix; the message says how. */
public final class IssuerReasons {
    /** Ready=True: the key and CA were checked. */
    public static final String CHECKED = "Checked";

    public static final String INVALID_SPEC = "InvalidSpec";
    public static final String AMBIENT_CREDENTIALS_NOT_ALLOWED = "AmbientCredentialsNotAllowed";
    public static final String CREDENTIALS_UNAVAILABLE = "CredentialsUnavailable";
    public static final String UNAUTHENTICATED = "Unauthenticated";
    public static final String ACCESS_DENIED = "AccessDenied";
    public static final String KEY_NOT_FOUND = "KeyNotFound";
    public static final String KEY_DISABLED = "KeyDisabled";
    public static final String KEY_NOT_YET_VALID = "KeyNotYetValid";
    public static final String KEY_EXPIRED = "KeyExpired";
    public static final String KEY_CANNOT_SIGN = "KeyCannotSign";
    public static final String SIGNATURE_ALGORITHM_MISMATCH = "SignatureAlgorithmMismatch";
    public static final String CA_CERTIFICATE_NOT_FOUND = "CACertificateNotFound";
    public static final String VAULT_REJECTED_REQUEST = "VaultRejectedRequest";
    public static final String VAULT_THROTTLED = "VaultThrottled";
    public static final String VAULT_UNREACHABLE = "VaultUnreachable";

    private IssuerReasons() {}
}
