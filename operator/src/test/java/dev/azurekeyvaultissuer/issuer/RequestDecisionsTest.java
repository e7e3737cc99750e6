package dev.azurekeyvaultissuer.issuer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.azurekeyvaultissuer.keyvault.VaultException;
import dev.azurekeyvaultissuer.pki.CsrRejectedException;
import dev.azurekeyvaultissuer.pki.PolicyViolationException;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** cert-manager's state machine, branch by branch, with a fixed clock. */
class RequestDecisionsTest {

    private static final Instant CREATED = Instant.parse("2026-01-01T00:00:00Z");
    private static final Instant NOW = CREATED.plusSeconds(10);
    private final RequestDecisions decisions =
            new RequestDecisions(RetryPolicy.withMaxRetryDuration(Duration.ofHours(1)));
    private final IssuerAvailability ready = new IssuerAvailability.Ready(null);

    private static Request request() {
        return new Request();
    }

    /** A CertificateRequest as the decisions see it, named part by part: created, and nothing else yet. */
    private static final class Request {
        private boolean approved;
        private boolean denied;
        private String readyReason;
        private boolean failureTime;
        private boolean certificate;

        Request approved() {
            approved = true;
            return this;
        }

        Request denied() {
            denied = true;
            return this;
        }

        Request ready(String reason) {
            readyReason = reason;
            return this;
        }

        Request failureTime() {
            failureTime = true;
            return this;
        }

        Request certificate() {
            certificate = true;
            return this;
        }

        RequestSnapshot build() {
            return new RequestSnapshot(
                    approved, denied, Optional.ofNullable(readyReason), failureTime, certificate, CREATED);
        }
    }

    @Test
    void notApprovedIsLeftAlone() {
        assertInstanceOf(
                RequestDecision.Ignore.class, decisions.beforeSigning(request().build(), ready, NOW));
    }

    @Test
    void deniedFailsWithDeniedReason() {
        var decision = decisions.beforeSigning(request().denied().build(), ready, NOW);
        var fail = assertInstanceOf(RequestDecision.Fail.class, decision);
        assertEquals(RequestReasons.DENIED, fail.conditionReason());
    }

    @Test
    void terminalRequestsAreLeftAlone() {
        for (String reason : new String[] {"Issued", "Failed", "Denied"}) {
            assertInstanceOf(
                    RequestDecision.Ignore.class,
                    decisions.beforeSigning(request().approved().ready(reason).build(), ready, NOW),
                    reason);
        }
        assertInstanceOf(
                RequestDecision.Ignore.class,
                decisions.beforeSigning(
                        request().approved().ready("Pending").failureTime().build(), ready, NOW));
        assertInstanceOf(
                RequestDecision.Ignore.class,
                decisions.beforeSigning(request().approved().certificate().build(), ready, NOW));
    }

    @Test
    void deniedAfterFailureStaysTerminal() {
        assertInstanceOf(
                RequestDecision.Ignore.class,
                decisions.beforeSigning(
                        request().denied().ready("Denied").failureTime().build(), ready, NOW));
    }

    @Test
    void missingIssuerKeepsRequestPending() {
        var pending = assertInstanceOf(
                RequestDecision.Pending.class,
                decisions.beforeSigning(
                        request().approved().build(), new IssuerAvailability.Missing("Issuer ns/ca"), NOW));
        assertEquals(RequestReasons.EVENT_WAITING_FOR_ISSUER_EXIST, pending.eventReason());
        assertTrue(pending.message().contains("Issuer ns/ca does not exist"), pending.message());
    }

    @Test
    void notReadyIssuerKeepsRequestPendingWithItsReason() {
        var pending = assertInstanceOf(
                RequestDecision.Pending.class,
                decisions.beforeSigning(
                        request().approved().ready("Pending").build(),
                        new IssuerAvailability.NotReady("Issuer ns/ca", "key disabled"),
                        NOW));
        assertEquals(RequestReasons.EVENT_WAITING_FOR_ISSUER_READY, pending.eventReason());
        assertTrue(pending.message().contains("key disabled"));
    }

    @Test
    void approvedWithReadyIssuerSigns() {
        assertInstanceOf(
                RequestDecision.Sign.class,
                decisions.beforeSigning(request().approved().ready("Pending").build(), ready, NOW));
    }

    @Test
    void badCsrFailsForGood() {
        var fail = assertInstanceOf(
                RequestDecision.Fail.class,
                decisions.afterFailure(
                        request().approved().build(), new CsrRejectedException("CSR signature is invalid"), NOW));
        assertEquals(RequestReasons.FAILED, fail.conditionReason());
        assertTrue(fail.message().contains("CSR signature is invalid"));
    }

    @Test
    void aPolicyRefusalFailsForGoodAndSaysItIsThePolicy() {
        var fail = assertInstanceOf(
                RequestDecision.Fail.class,
                decisions.afterFailure(
                        request().approved().build(),
                        new PolicyViolationException("the request asks for a CA"
                                + " certificate (isCA: true), but the issuer's policy.allowCA is not true"),
                        NOW));
        assertEquals(RequestReasons.FAILED, fail.conditionReason());
        assertEquals(RequestReasons.EVENT_PERMANENT_ERROR, fail.eventReason());
        assertTrue(fail.message().startsWith("Refused by the issuer's policy: "), fail.message());
        assertTrue(fail.message().contains("policy.allowCA"), fail.message());
    }

    @Test
    void throttlingIsRetriedHonouringRetryAfter() {
        var throttled = new VaultException(
                VaultException.Kind.THROTTLED, "vault throttled", Optional.of(Duration.ofSeconds(42)), null);
        var pending = assertInstanceOf(
                RequestDecision.Pending.class,
                decisions.afterFailure(request().approved().build(), throttled, NOW));
        assertEquals(Duration.ofSeconds(42), pending.requeueAfter());
        assertEquals(RequestReasons.EVENT_RETRYABLE_ERROR, pending.eventReason());
    }

    @Test
    void retriesBackOffWithTheRequestsAgeAndNeverSpin() {
        var outage = new VaultException(VaultException.Kind.UNAVAILABLE, "vault unreachable");
        var early = (RequestDecision.Pending)
                decisions.afterFailure(request().approved().build(), outage, CREATED.plusSeconds(1));
        var later = (RequestDecision.Pending)
                decisions.afterFailure(request().approved().build(), outage, CREATED.plusSeconds(600));
        assertTrue(
                early.requeueAfter().compareTo(Duration.ofSeconds(2)) >= 0,
                early.requeueAfter().toString());
        assertTrue(
                later.requeueAfter().compareTo(Duration.ofMinutes(4)) >= 0,
                later.requeueAfter().toString());
        assertTrue(
                later.requeueAfter().compareTo(Duration.ofMinutes(6)) <= 0,
                later.requeueAfter().toString());
    }

    @Test
    void retriesStopAfterTheMaximumRetryDuration() {
        var outage = new VaultException(VaultException.Kind.UNAVAILABLE, "vault unreachable");
        var fail = assertInstanceOf(
                RequestDecision.Fail.class,
                decisions.afterFailure(request().approved().build(), outage, CREATED.plus(Duration.ofHours(1))));
        assertTrue(fail.message().startsWith("Gave up after PT1H"), fail.message());
    }

    @Test
    void unexpectedErrorsAreRetriedWithAOneLineMessage() {
        var pending = assertInstanceOf(
                RequestDecision.Pending.class,
                decisions.afterFailure(request().approved().build(), new IllegalStateException("first\nsecond"), NOW));
        assertTrue(pending.message().endsWith("IllegalStateException: first"), pending.message());
    }

    @Test
    void aRefusalOfTheIssuersMakesTheIssuerNotReadyInsteadOfRetrying() {
        Map<VaultException.Kind, String> reasons = Map.of(
                VaultException.Kind.FORBIDDEN, IssuerReasons.ACCESS_DENIED,
                VaultException.Kind.UNAUTHENTICATED, IssuerReasons.UNAUTHENTICATED,
                VaultException.Kind.NOT_FOUND, IssuerReasons.KEY_NOT_FOUND,
                VaultException.Kind.INVALID, IssuerReasons.VAULT_REJECTED_REQUEST);
        reasons.forEach((kind, reason) -> {
            var refused = assertInstanceOf(
                    RequestDecision.IssuerRefused.class,
                    decisions.afterFailure(
                            request().approved().ready("Pending").build(),
                            new VaultException(kind, "lacks keys/sign"),
                            NOW),
                    kind.toString());
            assertEquals(reason, refused.refusal().reason(), kind.toString());
            assertEquals(
                    "the vault refused to sign: lacks keys/sign",
                    refused.refusal().message());
        });
    }

    @Test
    void aRefusalIsNeverFailedForAgeTheRequestWaitsForItsIssuer() {
        var refused = assertInstanceOf(
                RequestDecision.IssuerRefused.class,
                decisions.afterFailure(
                        request().approved().ready("Pending").build(),
                        new VaultException(VaultException.Kind.FORBIDDEN, "denied"),
                        CREATED.plus(Duration.ofHours(2))));
        var pending = assertInstanceOf(
                RequestDecision.Pending.class,
                decisions.beforeSigning(
                        request().approved().ready("Pending").build(),
                        new IssuerAvailability.NotReady(
                                "Issuer ns/ca", refused.refusal().message()),
                        NOW));
        assertEquals(RequestReasons.EVENT_WAITING_FOR_ISSUER_READY, pending.eventReason());
        assertEquals(RequestDecisions.ISSUER_WAIT, pending.requeueAfter());
    }

    @Test
    void retryableVaultFailuresAreStillRetriedNotBlamedOnTheIssuer() {
        for (VaultException.Kind kind : VaultException.Kind.values()) {
            var decision = decisions.afterFailure(request().approved().build(), new VaultException(kind, "x"), NOW);
            assertEquals(kind.isRetryable(), decision instanceof RequestDecision.Pending, kind.toString());
            assertEquals(!kind.isRetryable(), decision instanceof RequestDecision.IssuerRefused, kind.toString());
        }
    }

    @Test
    void anIssuerNotCheckedYetIsLookedAtAgainWithinASecondNotAfterThirty() {
        var pending = assertInstanceOf(
                RequestDecision.Pending.class,
                decisions.beforeSigning(
                        request().approved().build(),
                        new IssuerAvailability.NotReady("Issuer ns/ca", "it has not been checked yet", false),
                        NOW));
        assertEquals(RequestReasons.EVENT_WAITING_FOR_ISSUER_READY, pending.eventReason());
        assertEquals(Duration.ofMillis(500), pending.requeueAfter());
        assertEquals(
                Duration.ofSeconds(30),
                ((RequestDecision.Pending) decisions.beforeSigning(
                                request().approved().build(),
                                new IssuerAvailability.NotReady("Issuer ns/ca", "key disabled"),
                                NOW))
                        .requeueAfter());
    }
}
