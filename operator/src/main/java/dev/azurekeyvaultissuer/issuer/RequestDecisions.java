package dev.azurekeyvaultissuer.issuer;

import dev.azurekeyvaultissuer.keyvault.ErrorText;
import dev.azurekeyvaultissuer.keyvault.VaultException;
import dev.azurekeyvaultissuer.pki.CsrRejectedException;
import dev.azurekeyvaultissuer.pki.PolicyViolationException;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * cert-manager's state machine for an external issuer, as pure functions. {@link #beforeSigning} decides whether to
 * sign; {@link #afterFailure} turns a failed signing attempt into Pending or Failed.
 */
public final class RequestDecisions {

    /** While the issuer is missing or not ready, look again at least this often (its events also wake us). */
    static final Duration ISSUER_WAIT = Duration.ofSeconds(30);
    /**
     * While the issuer waits for its first check in this process (a restart, a new issuer), look again this soon: the
     * check takes a vault round trip, and when its outcome is the status already written no event wakes us.
     */
    static final Duration FIRST_CHECK_WAIT = Duration.ofMillis(500);

    private final RetryPolicy retryPolicy;

    public RequestDecisions(RetryPolicy retryPolicy) {
        this.retryPolicy = retryPolicy;
    }

    public RequestDecision beforeSigning(RequestSnapshot request, IssuerAvailability issuer, Instant now) {
        if (request.isTerminal()) {
            return new RequestDecision.Ignore(
                    "request is already " + request.readyReason().orElse("final"));
        }
        if (request.denied()) {
            return new RequestDecision.Fail(
                    RequestReasons.DENIED,
                    RequestReasons.EVENT_DENIED,
                    "The CertificateRequest was denied by an approval controller");
        }
        if (!request.approved()) {
            return new RequestDecision.Ignore("request is not approved yet");
        }
        if (issuer instanceof IssuerAvailability.Missing missing) {
            return new RequestDecision.Pending(
                    RequestReasons.EVENT_WAITING_FOR_ISSUER_EXIST,
                    missing.description() + " does not exist",
                    ISSUER_WAIT);
        }
        if (issuer instanceof IssuerAvailability.NotReady notReady) {
            return new RequestDecision.Pending(
                    RequestReasons.EVENT_WAITING_FOR_ISSUER_READY,
                    notReady.description() + " is not ready: " + notReady.why(),
                    notReady.checked() ? ISSUER_WAIT : FIRST_CHECK_WAIT);
        }
        return new RequestDecision.Sign(((IssuerAvailability.Ready) issuer).signer());
    }

    /**
     * A signing attempt failed. A bad CSR fails now; a vault refusal that is the issuer's (403, 401, 404, 400) makes
     * the issuer not ready, as issuer-lib does with an issuer error, so that its requests wait for it instead of
     * retrying for the whole retry duration; anything else is retried with backoff while the request is younger
     * than the maximum retry duration, then fails.
     */
    public RequestDecision afterFailure(RequestSnapshot request, RuntimeException failure, Instant now) {
        if (failure instanceof PolicyViolationException) {
            return new RequestDecision.Fail(
                    RequestReasons.FAILED,
                    RequestReasons.EVENT_PERMANENT_ERROR,
                    "Refused by the issuer's policy: " + failure.getMessage());
        }
        if (failure instanceof CsrRejectedException) {
            return new RequestDecision.Fail(
                    RequestReasons.FAILED,
                    RequestReasons.EVENT_PERMANENT_ERROR,
                    "The CSR cannot be signed: " + failure.getMessage());
        }
        if (failure instanceof VaultException v && !v.isRetryable()) {
            return new RequestDecision.IssuerRefused(IssuerHealthCheck.fromSigningRefusal(v));
        }
        String message = describe(failure);
        if (retryPolicy.exhausted(request.createdAt(), now)) {
            return new RequestDecision.Fail(
                    RequestReasons.FAILED,
                    RequestReasons.EVENT_PERMANENT_ERROR,
                    "Gave up after " + retryPolicy.maxRetryDuration() + ": " + message);
        }
        Optional<Duration> retryAfter = failure instanceof VaultException v ? v.retryAfter() : Optional.empty();
        return new RequestDecision.Pending(
                RequestReasons.EVENT_RETRYABLE_ERROR,
                "Signing failed, will retry: " + message,
                retryPolicy.nextDelay(request.createdAt(), now, retryAfter));
    }

    /** Vault failures carry user-facing messages; anything else is summarised by its type, never a stack trace. */
    private static String describe(RuntimeException failure) {
        if (failure instanceof VaultException) {
            return failure.getMessage();
        }
        return ErrorText.summary(failure);
    }
}
