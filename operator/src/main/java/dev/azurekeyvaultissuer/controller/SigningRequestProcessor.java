package dev.azurekeyvaultissuer.controller;

import dev.azurekeyvaultissuer.issuer.IssuerAvailability;
import dev.azurekeyvaultissuer.issuer.IssuerId;
import dev.azurekeyvaultissuer.issuer.RequestDecision;
import dev.azurekeyvaultissuer.issuer.RequestDecisions;
import dev.azurekeyvaultissuer.issuer.RequestReasons;
import dev.azurekeyvaultissuer.issuer.RequestSnapshot;
import dev.azurekeyvaultissuer.issuer.SignerRegistry;
import dev.azurekeyvaultissuer.pki.IssuedCertificate;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One reconciliation of a signing request, whatever its kind: read its state and its issuer's, ask
 * {@link RequestDecisions} what to do, sign when told to, and write the outcome with one status write and an Event.
 * Both request reconcilers run this; their kinds differ only in their {@link SigningRequestKind}.
 */
final class SigningRequestProcessor<R extends HasMetadata> {

    private static final Logger LOG = LoggerFactory.getLogger(SigningRequestProcessor.class);

    private final SigningRequestKind<R> kind;
    private final RequestDecisions decisions;
    private final EventRecorder events;
    private final IssuanceMetrics metrics;
    private final Clock clock;
    private final SignerRegistry registry;
    private final IssuerRechecks rechecks;

    SigningRequestProcessor(
            SigningRequestKind<R> kind,
            RequestDecisions decisions,
            EventRecorder events,
            IssuanceMetrics metrics,
            Clock clock,
            SignerRegistry registry,
            IssuerRechecks rechecks) {
        this.registry = registry;
        this.rechecks = rechecks;
        this.kind = kind;
        this.decisions = decisions;
        this.events = events;
        this.metrics = metrics;
        this.clock = clock;
    }

    /** @param availability whether the issuer the request names can sign now */
    UpdateControl<R> process(R request, Function<IssuerId, IssuerAvailability> availability) {
        IssuerId issuerId = kind.issuerOf(request);
        RequestSnapshot snapshot = kind.snapshot(request);
        RequestDecision decision = decisions.beforeSigning(snapshot, availability.apply(issuerId), clock.instant());
        if (decision instanceof RequestDecision.Sign || decision instanceof RequestDecision.Pending) {
            // Approved and not final: the requester must be allowed to use this issuer before anything else.
            Optional<RequestDecision.Fail> refused = kind.refusal(request, issuerId);
            if (refused.isPresent()) {
                decision = refused.get();
            }
        }
        if (decision instanceof RequestDecision.Sign sign) {
            decision = sign(request, issuerId, snapshot, sign);
        }
        return carryOut(request, issuerId, decision);
    }

    /** Signs; a failure becomes the decision to retry or to fail. Done means Issued, written here. */
    private RequestDecision sign(R request, IssuerId issuerId, RequestSnapshot snapshot, RequestDecision.Sign sign) {
        try {
            long started = System.nanoTime();
            IssuedCertificate issued = sign.signer().sign(kind.leafRequest(request), clock);
            String serial = issued.leaf().getSerialNumber().toString(16);
            if (!kind.issued(request, issued.certificatePem(), issued.caPem())) {
                LOG.info("decision=discarded serial={} why=\"the request became final while it was signed\"", serial);
                return new RequestDecision.Ignore("already final");
            }
            metrics.issued(issuerId, Duration.ofNanos(System.nanoTime() - started));
            LOG.info(
                    "decision=issued serial={} notAfter={} keyID={}",
                    serial,
                    issued.leaf().getNotAfter().toInstant(),
                    sign.signer().key().keyId());
            events.normal(request, RequestReasons.EVENT_ISSUED, "Certificate issued, serial " + serial);
            return new RequestDecision.Ignore("issued");
        } catch (KubernetesClientException e) {
            // The certificate was made but not stored: retrying signs again, which is safe (new serial).
            throw e;
        } catch (RuntimeException e) {
            RequestDecision after = decisions.afterFailure(snapshot, e, clock.instant());
            return after instanceof RequestDecision.IssuerRefused refused
                    ? issuerRefused(issuerId, snapshot, sign, refused)
                    : after;
        }
    }

    /**
     * The vault refused to sign for a reason of the issuer's: the issuer is not ready from now on (its reconciler
     * shows why at once and checks it again within 30 s), and this request waits for it like the others.
     */
    private RequestDecision issuerRefused(
            IssuerId issuerId,
            RequestSnapshot snapshot,
            RequestDecision.Sign sign,
            RequestDecision.IssuerRefused refused) {
        if (registry.refuseSigning(issuerId, sign.signer(), refused.refusal(), clock.instant())) {
            LOG.warn(
                    "issuer not ready: the vault refused to sign issuer=\"{}\" reason={}",
                    issuerId,
                    refused.refusal().reason());
            rechecks.now(issuerId);
        }
        return decisions.beforeSigning(snapshot, SignerRegistry.notReady(issuerId, refused.refusal()), clock.instant());
    }

    private UpdateControl<R> carryOut(R request, IssuerId issuerId, RequestDecision decision) {
        if (decision instanceof RequestDecision.Pending pending) {
            if (RequestReasons.EVENT_RETRYABLE_ERROR.equals(pending.eventReason())) {
                metrics.failed(issuerId, "Retryable");
            }
            LOG.info("decision=pending reason={} retryIn={}", pending.eventReason(), pending.requeueAfter());
            if (!kind.showsPending(request, pending.message())) {
                kind.pending(request, pending.message());
                events.warning(request, pending.eventReason(), pending.message());
            }
            return UpdateControl.<R>noUpdate().rescheduleAfter(pending.requeueAfter());
        }
        if (decision instanceof RequestDecision.Fail fail) {
            LOG.info("decision=failed reason={}", fail.conditionReason());
            metrics.failed(issuerId, fail.conditionReason());
            kind.failed(request, fail.conditionReason(), fail.message());
            events.warning(request, fail.eventReason(), fail.message());
            return UpdateControl.noUpdate();
        }
        if (decision instanceof RequestDecision.Ignore ignore) {
            LOG.debug("decision=ignore why=\"{}\"", ignore.why());
        }
        return UpdateControl.noUpdate();
    }
}
