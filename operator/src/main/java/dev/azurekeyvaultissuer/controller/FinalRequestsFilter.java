package dev.azurekeyvaultissuer.controller;

import io.fabric8.certmanager.api.model.v1.CertificateRequest;
import io.javaoperatorsdk.operator.processing.event.source.filter.OnAddFilter;
import io.javaoperatorsdk.operator.processing.event.source.filter.OnUpdateFilter;

/**
 * Keeps events of final CertificateRequests (Issued, Failed, Denied) from the reconciler: there is nothing left to do
 * for them, yet a starting or newly elected operator would otherwise queue one reconciliation per final request in
 * the cluster ahead of the new ones, and each Issued write would come back as one more. Deletions still pass, so
 * JOSDK forgets what it kept of a request.
 */
final class FinalRequestsFilter {

    private FinalRequestsFilter() {}

    /** Not final, or final and asking to be revoked ({@link RequestRevocations}). */
    static boolean notFinal(CertificateRequest request) {
        return !CertificateRequests.snapshot(request).isTerminal() || RequestRevocations.wanted(request);
    }

    static OnAddFilter<CertificateRequest> onAdd() {
        return FinalRequestsFilter::notFinal;
    }

    static OnUpdateFilter<CertificateRequest> onUpdate() {
        return (newRequest, oldRequest) -> notFinal(newRequest);
    }
}
