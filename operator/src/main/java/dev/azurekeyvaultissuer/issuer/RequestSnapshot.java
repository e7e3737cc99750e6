package dev.azurekeyvaultissuer.issuer;

import java.time.Instant;
import java.util.Optional;

/**
 * What the decisions need to know about a CertificateRequest, read from its status by the controller.
 *
 * @param readyReason the reason of the Ready condition, when there is one
 * @param hasFailureTime status.failureTime is set: cert-manager's mark of a request that failed for good
 * @param hasCertificate status.certificate is set
 */
public record RequestSnapshot(
        boolean approved,
        boolean denied,
        Optional<String> readyReason,
        boolean hasFailureTime,
        boolean hasCertificate,
        Instant createdAt) {

    /** Issued, failed or denied: cert-manager never expects an issuer to touch it again. */
    public boolean isTerminal() {
        return hasFailureTime
                || hasCertificate
                || readyReason.filter(RequestReasons::isTerminal).isPresent();
    }
}
