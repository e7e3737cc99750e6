package dev.azurekeyvaultissuer.controller;

import dev.azurekeyvaultissuer.api.ClusterIssuer;
import dev.azurekeyvaultissuer.api.Issuer;
import dev.azurekeyvaultissuer.issuer.IssuerAvailability;
import dev.azurekeyvaultissuer.issuer.IssuerId;
import dev.azurekeyvaultissuer.issuer.RequestDecisions;
import dev.azurekeyvaultissuer.issuer.SignerRegistry;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequest;
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
 * Signs approved Kubernetes CertificateSigningRequests whose signer name is one of our issuers'
 * ({@code clusterissuers.azure-keyvault-issuer.dev/<name>}, {@code issuers.azure-keyvault-issuer.dev/<ns>.<name>}),
 * through the same {@link SigningRequestProcessor} as CertificateRequests. Not generation-aware: approval only
 * changes the status.
 */
@ControllerConfiguration(
        name = "certificatesigningrequest",
        generationAwareEventProcessing = false,
        informer = @Informer(genericFilter = OursOnlyCsrFilter.class))
public class CertificateSigningRequestReconciler implements Reconciler<CertificateSigningRequest> {

    private static final Logger LOG = LoggerFactory.getLogger(CertificateSigningRequestReconciler.class);
    private static final String BY_ISSUER = "byIssuer";

    private final SignerRegistry registry;
    private final SigningRequestProcessor<CertificateSigningRequest> processor;
    private InformerEventSource<Issuer, CertificateSigningRequest> issuers;
    private InformerEventSource<ClusterIssuer, CertificateSigningRequest> clusterIssuers;

    CertificateSigningRequestReconciler(
            SignerRegistry registry,
            RequestDecisions decisions,
            CertificateSigningRequestKind kind,
            EventRecorder events,
            IssuanceMetrics metrics,
            Clock clock,
            IssuerRechecks rechecks) {
        this.registry = registry;
        this.processor = new SigningRequestProcessor<>(kind, decisions, events, metrics, clock, registry, rechecks);
    }

    /**
     * Issuer events wake the requests that wait for them, found through an index of the request cache; so does the
     * issuer's first Ready check in this process, as for CertificateRequests (CertificateRequestReconciler).
     */
    @Override
    public List<EventSource<?, CertificateSigningRequest>> prepareEventSources(
            EventSourceContext<CertificateSigningRequest> ctx) {
        ctx.getPrimaryCache()
                .addIndexer(
                        BY_ISSUER,
                        csr -> CertificateSigningRequests.issuerOf(CertificateSigningRequests.signerName(csr))
                                .map(id -> List.of(indexKey(id)))
                                .orElse(List.of()));
        issuers = new InformerEventSource<>(
                InformerEventSourceConfiguration.from(Issuer.class, CertificateSigningRequest.class)
                        .withName("csr-issuers")
                        .withSecondaryToPrimaryMapper((Issuer issuer) -> waitingFor(
                                ctx,
                                IssuerId.issuer(
                                        issuer.getMetadata().getNamespace(),
                                        issuer.getMetadata().getName())))
                        .build(),
                ctx);
        clusterIssuers = new InformerEventSource<>(
                InformerEventSourceConfiguration.from(ClusterIssuer.class, CertificateSigningRequest.class)
                        .withName("csr-clusterissuers")
                        .withSecondaryToPrimaryMapper((ClusterIssuer issuer) -> waitingFor(
                                ctx, IssuerId.clusterIssuer(issuer.getMetadata().getName())))
                        .build(),
                ctx);
        SimpleInboundEventSource<CertificateSigningRequest> issuerReady =
                new SimpleInboundEventSource<>("csr-issuerReady");
        registry.onBecameReady(id -> waitingFor(ctx, id).forEach(csr -> {
            try {
                issuerReady.propagateEvent(csr);
            } catch (RuntimeException e) {
                // Not started (yet, or any more): the request's own retry still comes.
                LOG.debug("could not wake CertificateSigningRequest {} for issuer {}", csr, id, e);
            }
        }));
        return List.of(issuers, clusterIssuers, issuerReady);
    }

    private static Set<ResourceID> waitingFor(EventSourceContext<CertificateSigningRequest> ctx, IssuerId issuer) {
        return ctx.getPrimaryCache().byIndex(BY_ISSUER, indexKey(issuer)).stream()
                .map(ResourceID::fromResource)
                .collect(Collectors.toSet());
    }

    private static String indexKey(IssuerId id) {
        return id.kind() + "/" + id.namespace() + "/" + id.name();
    }

    @Override
    public UpdateControl<CertificateSigningRequest> reconcile(
            CertificateSigningRequest csr, Context<CertificateSigningRequest> context) {
        return processor.process(csr, this::availability);
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
