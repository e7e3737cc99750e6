package dev.azurekeyvaultissuer.issuer;

import java.util.Set;

/** cert-manager's reasons for a CertificateRequest's Ready condition, and our Event reasons. */
public final class RequestReasons {
    public static final String PENDING = "Pending";
    public static final String FAILED = "Failed";
    public static final String ISSUED = "Issued";
    public static final String DENIED = "Denied";

    /** Event reasons, as cert-manager's issuer-lib names them. */
    public static final String EVENT_ISSUED = "Issued";

    public static final String EVENT_RETRYABLE_ERROR = "RetryableError";
    public static final String EVENT_PERMANENT_ERROR = "PermanentError";
    public static final String EVENT_WAITING_FOR_ISSUER_EXIST = "WaitingForIssuerExist";
    public static final String EVENT_WAITING_FOR_ISSUER_READY = "WaitingForIssuerReady";
    public static final String EVENT_DENIED = "Denied";

    private static final Set<String> TERMINAL = Set.of(FAILED, ISSUED, DENIED);

    private RequestReasons() {}

    public static boolean isTerminal(String reason) {
        return TERMINAL.contains(reason);
    }
}
