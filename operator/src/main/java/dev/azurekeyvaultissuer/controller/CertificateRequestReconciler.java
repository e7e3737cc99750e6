package dev.azurekeyvaultissuer.controller;

import dev.azurekeyvaultissuer.issuer.RequestDecisions;
import dev.azurekeyvaultissuer.issuer.SignerRegistry;
import io.fabric8.certmanager.api.model.v1.CertificateRequest;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import java.time.Clock;
import java.util.List;
import java.util.Optional;

/**
 * Signs approved CertificateRequests that name our issuers, through the {@link SigningRequestProcessor} that
 * CertificateSigningRequests share. Not generation-aware: approval only changes the status, and must still wake us.
 */
@ControllerConfiguration(
        name = "certificaterequest",
        generationAwareEventProcessing = false,
        informer = @Informer(genericFilter = OursOnlyFilter.class))
public class CertificateRequestReconciler implements Reconciler<CertificateRequest> {

    private final IssuerLookup<CertificateRequest> issuers;
    private final SigningRequestProcessor<CertificateRequest> processor;
    private final CertificateRequestKind kind;
    private final RequestRevocations revocations;

    CertificateRequestReconciler(
            SignerRegistry registry,
            RequestDecisions decisions,
            RequestStatusWriter statusWriter,
            EventRecorder events,
            IssuanceMetrics metrics,
            Clock clock,
            IssuerRechecks rechecks,
            RequestRevocations revocations) {
        this.revocations = revocations;
        this.issuers = new IssuerLookup<>(
                registry,
                CertificateRequest.class,
                request -> CertificateRequests.isOurs(request)
                        ? Optional.of(CertificateRequests.issuerOf(request))
                        : Optional.empty(),
                "");
        this.kind = new CertificateRequestKind(statusWriter);
        this.processor = new SigningRequestProcessor<>(kind, decisions, events, metrics, clock, registry, rechecks);
    }

    /** Issuer events wake the requests that wait for them: {@link IssuerLookup}. */
    @Override
    public List<EventSource<?, CertificateRequest>> prepareEventSources(EventSourceContext<CertificateRequest> ctx) {
        return issuers.prepareEventSources(ctx);
    }

    @Override
    public UpdateControl<CertificateRequest> reconcile(
            CertificateRequest request, Context<CertificateRequest> context) {
        if (RequestRevocations.wanted(request)) {
            return revocations.revoke(request, kind, issuers::availability);
        }
        return processor.process(request, issuers::availability);
    }
}
