package dev.azurekeyvaultissuer.controller;

import dev.azurekeyvaultissuer.api.ClusterIssuer;
import dev.azurekeyvaultissuer.api.Issuer;
import dev.azurekeyvaultissuer.issuer.IssuerAvailability;
import dev.azurekeyvaultissuer.issuer.IssuerId;
import dev.azurekeyvaultissuer.issuer.RequestDecision;
import dev.azurekeyvaultissuer.issuer.RequestDecisions;
import dev.azurekeyvaultissuer.issuer.RequestReasons;
import dev.azurekeyvaultissuer.issuer.RequestSnapshot;
import dev.azurekeyvaultissuer.issuer.SignerRegistry;
import dev.azurekeyvaultissuer.pki.IssuedCertificate;
import io.fabric8.certmanager.api.model.v1.CertificateRequest;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Signs approved CertificateRequests that name our issuers. Reads the request and the issuer's recorded health,
 * asks {@link RequestDecisions} what to do, signs when told to, and writes the outcome with one status patch.
 * Not generation-aware: approval only changes the status, and must still wake us.
 */
@ControllerConfiguration(name = "certificaterequest", generationAwareEventProcessing = false,
        informer = @Informer(genericFilter = OursOnlyFilter.class))
public class CertificateRequestReconciler implements Reconciler<CertificateRequest> {

    private static final Logger LOG = LoggerFactory.getLogger(CertificateRequestReconciler.class);
    private static final String BY_ISSUER = "byIssuer";

    private final SignerRegistry registry;
    private final RequestDecisions decisions;
    private final RequestStatusWriter statusWriter;
    private final EventRecorder events;
    private final IssuanceMetrics metrics;
    private final Clock clock;
    private final IssuerRechecks rechecks;
    private InformerEventSource<Issuer, CertificateRequest> issuers;
    private InformerEventSource<ClusterIssuer, CertificateRequest> clusterIssuers;

    CertificateRequestReconciler(SignerRegistry registry, RequestDecisions decisions, RequestStatusWriter statusWriter,
            EventRecorder events, IssuanceMetrics metrics, Clock clock, IssuerRechecks rechecks) {
        this.rechecks = rechecks;
        this.registry = registry;
        this.decisions = decisions;
        this.statusWriter = statusWriter;
        this.events = events;
        this.metrics = metrics;
        this.clock = clock;
    }

    /** Issuer events wake the requests that wait for them, found through an index of the request cache. */
    @Override
    public List<EventSource<?, CertificateRequest>> prepareEventSources(EventSourceContext<CertificateRequest> ctx) {
        ctx.getPrimaryCache().addIndexer(BY_ISSUER, request -> CertificateRequests.isOurs(request)
                ? List.of(indexKey(CertificateRequests.issuerOf(request))) : List.of());
        issuers = new InformerEventSource<>(InformerEventSourceConfiguration.from(Issuer.class,
                CertificateRequest.class).withSecondaryToPrimaryMapper(
                        (Issuer issuer) -> waitingFor(ctx, IssuerId.issuer(issuer.getMetadata().getNamespace(),
                                issuer.getMetadata().getName()))).build(), ctx);
        clusterIssuers = new InformerEventSource<>(InformerEventSourceConfiguration.from(ClusterIssuer.class,
                CertificateRequest.class).withSecondaryToPrimaryMapper(
                        (ClusterIssuer issuer) -> waitingFor(ctx, IssuerId.clusterIssuer(
                                issuer.getMetadata().getName()))).build(), ctx);
        return List.of(issuers, clusterIssuers);
    }

    private static Set<ResourceID> waitingFor(EventSourceContext<CertificateRequest> ctx, IssuerId issuer) {
        return ctx.getPrimaryCache().byIndex(BY_ISSUER, indexKey(issuer)).stream()
                .map(ResourceID::fromResource).collect(Collectors.toSet());
    }

    private static String indexKey(IssuerId id) {
        return id.kind() + "/" + id.namespace() + "/" + id.name();
    }

    @Override
    public UpdateControl<CertificateRequest> reconcile(CertificateRequest request,
            Context<CertificateRequest> context) {
        IssuerId issuerId = CertificateRequests.issuerOf(request);
        RequestSnapshot snapshot = CertificateRequests.snapshot(request);
        RequestDecision decision = decisions.beforeSigning(snapshot, availability(issuerId), clock.instant());
        if (decision instanceof RequestDecision.Sign sign) {
            decision = sign(request, issuerId, snapshot, sign);
        }
        return carryOut(request, issuerId, decision);
    }

    private IssuerAvailability availability(IssuerId id) {
        Optional<? extends HasMetadata> issuer = id.isClusterIssuer()
                ? clusterIssuers.get(new ResourceID(id.name()))
                : issuers.get(new ResourceID(id.name(), id.namespace()));
        if (issuer.isEmpty()) {
            registry.forget(id);
            return new IssuerAvailability.Missing(id.toString());
        }
        Long generation = issuer.get().getMetadata().getGeneration();
        return registry.availability(id, issuer.get().getMetadata().getUid(), generation == null ? 0 : generation);
    }

    /** Signs; a failure becomes the decision to retry or to fail. Done means Issued, written below. */
    private RequestDecision sign(CertificateRequest request, IssuerId issuerId, RequestSnapshot snapshot,
            RequestDecision.Sign sign) {
        try {
            long started = System.nanoTime();
            IssuedCertificate issued = sign.signer().sign(CertificateRequests.leafRequest(request), clock);
            String serial = issued.leaf().getSerialNumber().toString(16);
            if (!statusWriter.issued(request, issued.certificatePem(), issued.caPem())) {
                LOG.info("decision=discarded serial={} why=\"the request became final while it was signed\"",
                        serial);
                return new RequestDecision.Ignore("already final");
            }
            metrics.issued(issuerId, Duration.ofNanos(System.nanoTime() - started));
            LOG.info("decision=issued serial={} notAfter={} keyID={}", serial,
                    issued.leaf().getNotAfter().toInstant(), sign.signer().key().keyId());
            events.normal(request, RequestReasons.EVENT_ISSUED, "Certificate issued, serial " + serial);
            return new RequestDecision.Ignore("issued");
        } catch (KubernetesClientException e) {
            // The certificate was made but not stored: retrying signs again, which is safe (new serial).
            throw e;
        } catch (RuntimeException e) {
            RequestDecision after = decisions.afterFailure(snapshot, e, clock.instant());
            return after instanceof RequestDecision.IssuerRefused refused
                    ? issuerRefused(issuerId, snapshot, sign, refused) : after;
        }
    }

    /**
     * The vault refused to sign for a reason of the issuer's: the issuer is not ready from now on (its reconciler
     * shows why at once and checks it again within 30 s), and this request waits for it like the others.
     */
    private RequestDecision issuerRefused(IssuerId issuerId, RequestSnapshot snapshot, RequestDecision.Sign sign,
            RequestDecision.IssuerRefused refused) {
        if (registry.refuseSigning(issuerId, sign.signer(), refused.refusal(), clock.instant())) {
            LOG.warn("issuer not ready: the vault refused to sign issuer=\"{}\" reason={}", issuerId,
                    refused.refusal().reason());
            rechecks.now(issuerId);
        }
        return decisions.beforeSigning(snapshot, SignerRegistry.notReady(issuerId, refused.refusal()),
                clock.instant());
    }

    private UpdateControl<CertificateRequest> carryOut(CertificateRequest request, IssuerId issuerId,
            RequestDecision decision) {
        if (decision instanceof RequestDecision.Pending pending) {
            if (RequestReasons.EVENT_RETRYABLE_ERROR.equals(pending.eventReason())) {
                metrics.failed(issuerId, "Retryable");
            }
            LOG.info("decision=pending reason={} retryIn={}", pending.eventReason(), pending.requeueAfter());
            if (!RequestStatusWriter.readyIs(request, RequestReasons.PENDING, pending.message())) {
                statusWriter.pending(request, pending.message());
                events.warning(request, pending.eventReason(), pending.message());
            }
            return UpdateControl.<CertificateRequest>noUpdate().rescheduleAfter(pending.requeueAfter());
        }
        if (decision instanceof RequestDecision.Fail fail) {
            LOG.info("decision=failed reason={}", fail.conditionReason());
            metrics.failed(issuerId, fail.conditionReason());
            statusWriter.failed(request, fail.conditionReason(), fail.message());
            events.warning(request, fail.eventReason(), fail.message());
            return UpdateControl.noUpdate();
        }
        if (decision instanceof RequestDecision.Ignore ignore) {
            LOG.debug("decision=ignore why=\"{}\"", ignore.why());
        }
        return UpdateControl.noUpdate();
    }
}
