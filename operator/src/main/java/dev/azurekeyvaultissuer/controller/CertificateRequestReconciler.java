package dev.azurekeyvaultissuer.controller;

import dev.azurekeyvaultissuer.api.ClusterIssuer;
import dev.azurekeyvaultissuer.api.Issuer;
import dev.azurekeyvaultissuer.issuer.IssuerAvailability;
import dev.azurekeyvaultissuer.issuer.IssuerId;
import dev.azurekeyvaultissuer.issuer.RequestDecisions;
import dev.azurekeyvaultissuer.issuer.SignerRegistry;
import io.fabric8.certmanager.api.model.v1.CertificateRequest;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.inbound.SimpleInboundEventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.time.Clock;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Signs approved CertificateRequests that name our issuers, through the {@link SigningRequestProcessor} that
 * CertificateSigningRequests share. Not generation-aware: approval only changes the status, and must still wake us.
 */
@ControllerConfiguration(
        name = "certificaterequest",
        generationAwareEventProcessing = false,
        informer = @Informer(genericFilter = OursOnlyFilter.class))
public class CertificateRequestReconciler implements Reconciler<CertificateRequest> {

    private static final Logger LOG = LoggerFactory.getLogger(CertificateRequestReconciler.class);
    private static final String BY_ISSUER = "byIssuer";

    private final SignerRegistry registry;
    private final SigningRequestProcessor<CertificateRequest> processor;
    private InformerEventSource<Issuer, CertificateRequest> issuers;
    private InformerEventSource<ClusterIssuer, CertificateRequest> clusterIssuers;

    CertificateRequestReconciler(
            SignerRegistry registry,
            RequestDecisions decisions,
            RequestStatusWriter statusWriter,
            EventRecorder events,
            IssuanceMetrics metrics,
            Clock clock,
            IssuerRechecks rechecks) {
        this.registry = registry;
        this.processor = new SigningRequestProcessor<>(
                new CertificateRequestKind(statusWriter), decisions, events, metrics, clock, registry, rechecks);
    }

    /**
     * Issuer events wake the requests that wait for them, found through an index of the request cache; so does the
     * issuer's first Ready check in this process ({@link SignerRegistry#onBecameReady}), which writes no new status
     * when the issuer was Ready already (after a restart or a leader change), so no issuer event would follow.
     */
    @Override
    public List<EventSource<?, CertificateRequest>> prepareEventSources(EventSourceContext<CertificateRequest> ctx) {
        ctx.getPrimaryCache()
                .addIndexer(
                        BY_ISSUER,
                        request -> CertificateRequests.isOurs(request)
                                ? List.of(indexKey(CertificateRequests.issuerOf(request)))
                                : List.of());
        issuers = new InformerEventSource<>(
                InformerEventSourceConfiguration.from(Issuer.class, CertificateRequest.class)
                        .withSecondaryToPrimaryMapper((Issuer issuer) -> waitingFor(
                                ctx,
                                IssuerId.issuer(
                                        issuer.getMetadata().getNamespace(),
                                        issuer.getMetadata().getName())))
                        .build(),
                ctx);
        clusterIssuers = new InformerEventSource<>(
                InformerEventSourceConfiguration.from(ClusterIssuer.class, CertificateRequest.class)
                        .withSecondaryToPrimaryMapper((ClusterIssuer issuer) -> waitingFor(
                                ctx, IssuerId.clusterIssuer(issuer.getMetadata().getName())))
                        .build(),
                ctx);
        SimpleInboundEventSource<CertificateRequest> issuerReady = new SimpleInboundEventSource<>("issuerReady");
        registry.onBecameReady(id -> waitingFor(ctx, id).forEach(request -> {
            try {
                issuerReady.propagateEvent(request);
            } catch (RuntimeException e) {
                // Not started (yet, or any more): the request's own retry still comes.
                LOG.debug("could not wake request {} for issuer {}", request, id, e);
            }
        }));
        return List.of(issuers, clusterIssuers, issuerReady);
    }

    private static Set<ResourceID> waitingFor(EventSourceContext<CertificateRequest> ctx, IssuerId issuer) {
        return ctx.getPrimaryCache().byIndex(BY_ISSUER, indexKey(issuer)).stream()
                .map(ResourceID::fromResource)
                .collect(Collectors.toSet());
    }

    private static String indexKey(IssuerId id) {
        return id.kind() + "/" + id.namespace() + "/" + id.name();
    }

    @Override
    public UpdateControl<CertificateRequest> reconcile(
            CertificateRequest request, Context<CertificateRequest> context) {
        return processor.process(request, this::availability);
    }

    private IssuerAvailability availability(IssuerId id) {
        return IssuerLookup.availability(
                registry,
                id,
                id.isClusterIssuer()
                        ? clusterIssuers.get(new ResourceID(id.name()))
                        : issuers.get(new ResourceID(id.name(), id.namespace())));
    }
}
