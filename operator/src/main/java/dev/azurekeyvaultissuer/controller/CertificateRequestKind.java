package dev.azurekeyvaultissuer.controller;

import dev.azurekeyvaultissuer.issuer.IssuerId;
import dev.azurekeyvaultissuer.issuer.RequestDecision;
import dev.azurekeyvaultissuer.issuer.RequestReasons;
import dev.azurekeyvaultissuer.issuer.RequestSnapshot;
import dev.azurekeyvaultissuer.pki.LeafRequest;
import io.fabric8.certmanager.api.model.v1.CertificateRequest;
import java.util.Optional;

/**
 * cert-manager's CertificateRequest as a signing request: read by {@link CertificateRequests}, written by
 * {@link RequestStatusWriter}. Approval is cert-manager's approver's job (and its webhook's check), so no further
 * authorization is needed here: a CertificateRequest can only name issuers of its own namespace or ClusterIssuers.
 */
final class CertificateRequestKind implements SigningRequestKind<CertificateRequest> {

    private final RequestStatusWriter writer;

    CertificateRequestKind(RequestStatusWriter writer) {
        this.writer = writer;
    }

    @Override
    public boolean isOurs(CertificateRequest request) {
        return CertificateRequests.isOurs(request);
    }

    @Override
    public IssuerId issuerOf(CertificateRequest request) {
        return CertificateRequests.issuerOf(request);
    }

    @Override
    public String issuedCertificatePem(CertificateRequest request) {
        return CertificateRequests.certificatePem(request.getStatus().getCertificate());
    }

    @Override
    public RequestSnapshot snapshot(CertificateRequest request) {
        return CertificateRequests.snapshot(request);
    }

    @Override
    public LeafRequest leafRequest(CertificateRequest request) {
        return CertificateRequests.leafRequest(request);
    }

    @Override
    public Optional<RequestDecision.Fail> refusal(CertificateRequest request, IssuerId issuer) {
        return Optional.empty();
    }

    @Override
    public boolean showsPending(CertificateRequest request, String message) {
        return RequestStatusWriter.readyIs(request, RequestReasons.PENDING, message);
    }

    @Override
    public void pending(CertificateRequest request, String message) {
        writer.pending(request, message);
    }

    @Override
    public void failed(CertificateRequest request, String reason, String message) {
        writer.failed(request, reason, message);
    }

    @Override
    public boolean issued(CertificateRequest request, String certificatePem, String caPem) {
        return writer.issued(request, certificatePem, caPem);
    }
}
