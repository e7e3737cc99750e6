package dev.azurekeyvaultissuer.controller;

import dev.azurekeyvaultissuer.issuer.RequestDecisions;
import dev.azurekeyvaultissuer.issuer.SignerRegistry;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequest;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import java.time.Clock;
import java.util.List;

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

    private final IssuerLookup<CertificateSigningRequest> issuers;
    private final SigningRequestProcessor<CertificateSigningRequest> processor;
    private final CertificateSigningRequestKind kind;
    private final RequestRevocations revocations;

    CertificateSigningRequestReconciler(
            SignerRegistry registry,
            RequestDecisions decisions,
            CertificateSigningRequestKind kind,
            EventRecorder events,
            IssuanceMetrics metrics,
            Clock clock,
            IssuerRechecks rechecks,
            RequestRevocations revocations) {
        this.revocations = revocations;
        this.kind = kind;
        this.issuers = new IssuerLookup<>(
                registry,
                CertificateSigningRequest.class,
                csr -> CertificateSigningRequests.issuerOf(CertificateSigningRequests.signerName(csr)),
                "csr-");
        this.processor = new SigningRequestProcessor<>(kind, decisions, events, metrics, clock, registry, rechecks);
    }

    /** Issuer events wake the requests that wait for them: {@link IssuerLookup}. */
    @Override
    public List<EventSource<?, CertificateSigningRequest>> prepareEventSources(
            EventSourceContext<CertificateSigningRequest> ctx) {
        return issuers.prepareEventSources(ctx);
    }

    @Override
    public UpdateControl<CertificateSigningRequest> reconcile(
            CertificateSigningRequest csr, Context<CertificateSigningRequest> context) {
        if (RequestRevocations.wanted(csr)) {
            return revocations.revoke(csr, kind, issuers::availability);
        }
        return processor.process(csr, issuers::availability);
    }
}
