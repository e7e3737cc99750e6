package dev.azurekeyvaultissuer.pki;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The reasons of RFC 5280 section 5.3.1 a certificate may be revoked for, by their RFC names. {@code certificateHold}
 * and {@code removeFromCRL} are left out on purpose: a revocation here is final, a held certificate could be taken
 * back off the list.
 */
public enum RevocationReason {
    UNSPECIFIED(0, "unspecified"),
    KEY_COMPROMISE(1, "keyCompromise"),
    CA_COMPROMISE(2, "cACompromise"),
    AFFILIATION_CHANGED(3, "affiliationChanged"),
    SUPERSEDED(4, "superseded"),
    CESSATION_OF_OPERATION(5, "cessationOfOperation"),
    PRIVILEGE_WITHDRAWN(9, "privilegeWithdrawn"),
    AA_COMPROMISE(10, "aACompromise");

    private final int code;
    private final String rfcName;

    RevocationReason(int code, String rfcName) {
        this.code = code;
        this.rfcName = rfcName;
    }

    /** The CRLReason code. */
    public int code() {
        return code;
    }

    /** The name RFC 5280 gives it, e.g. {@code keyCompromise}. */
    public String rfcName() {
        return rfcName;
    }

    /**
     * A reason by its RFC name, ignoring case; an empty text is {@code unspecified}.
     *
     * @throws IllegalArgumentException naming the reasons accepted
     */
    public static RevocationReason parse(String text) {
        String name = text == null ? "" : text.strip();
        if (name.isEmpty()) {
            return UNSPECIFIED;
        }
        for (RevocationReason reason : values()) {
            if (reason.rfcName.toLowerCase(Locale.ROOT).equals(name.toLowerCase(Locale.ROOT))) {
                return reason;
            }
        }
        throw new IllegalArgumentException("unknown revocation reason '"
                + (name.length() > 40 ? name.substring(0, 40) + "..." : name) + "': use one of " + names());
    }

    /** The reason a CRL entry carries, or empty for a code this list does not take. */
    public static Optional<RevocationReason> ofCode(int code) {
        return Arrays.stream(values()).filter(r -> r.code == code).findFirst();
    }

    /** The RFC names, comma separated, for messages. */
    public static String names() {
        return Arrays.stream(values()).map(RevocationReason::rfcName).collect(Collectors.joining(", "));
    }

    @Override
    public String toString() {
        return rfcName;
    }
}
