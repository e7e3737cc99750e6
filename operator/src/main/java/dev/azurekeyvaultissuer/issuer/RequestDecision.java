package dev.azurekeyvaultissuer.issuer;

import java.time.Duration;

/** What to do with a CertificateRequest now. The controller carries it out with one status patch at most. */
public sealed interface RequestDecision {

    /** Leave it alone: not approved yet, or already terminal. */
    record Ignore(String why) implements RequestDecision {}

    /** Sign it with this signer. */
    record Sign(IssuerSigner signer) implements RequestDecision {}

    /** Ready=False/Pending with this message; look again after {@code requeueAfter}. */
    record Pending(String eventReason, String message, Duration requeueAfter) implements RequestDecision {}

    /**
     * The vault refused to sign for a reason that is the issuer's (a missing sign permission, a refused identity, the
     * key gone, a request the vault rejects for this key): retrying the request cannot help. The issuer is not ready
     * until it is checked again, and the request waits for it like for any issuer that is not ready.
     */
    record IssuerRefused(IssuerHealth.NotReady refusal) implements RequestDecision {}

    /** Ready=False with a terminal reason (Failed or Denied) and failureTime. */
    record Fail(String conditionReason, String eventReason, String message) implements RequestDecision {}
}
