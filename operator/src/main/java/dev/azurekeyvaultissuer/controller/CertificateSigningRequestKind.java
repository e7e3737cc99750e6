package dev.azurekeyvaultissuer.controller;

import dev.azurekeyvaultissuer.issuer.IssuerId;
import dev.azurekeyvaultissuer.issuer.RequestDecision;
import dev.azurekeyvaultissuer.issuer.RequestSnapshot;
import dev.azurekeyvaultissuer.pki.LeafRequest;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequest;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Kubernetes' CertificateSigningRequest as a signing request. Differences from a CertificateRequest, all here:
 * the issuer comes from the signer name; a namespaced Issuer may be used only by requesters allowed to
 * {@code reference} it ({@link SignerReferenceCheck}); the status has no Ready condition, so waiting shows in
 * Events only (remembered here so that they are not repeated), and failure is a Failed condition.
 */
final class CertificateSigningRequestKind implements SigningRequestKind<CertificateSigningRequest> {

    static final String DENIED_REFERENCE = "DeniedReference";
    private static final int REMEMBERED = 10_000;

    private final CsrStatusWriter writer;
    private final SignerReferenceCheck references;
    // UID -> the last pending message shown as an Event, so a requeue does not repeat it. Bounded, oldest first out.
    private final Map<String, String> lastPending = Collections.synchronizedMap(new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
            return size() > REMEMBERED;
        }
    });

    CertificateSigningRequestKind(CsrStatusWriter writer, SignerReferenceCheck references) {
        this.writer = writer;
        this.references = references;
    }

    @Override
    public boolean isOurs(CertificateSigningRequest request) {
        return CertificateSigningRequests.isOurs(request);
    }

    @Override
    public IssuerId issuerOf(CertificateSigningRequest request) {
        return CertificateSigningRequests.issuerOf(CertificateSigningRequests.signerName(request))
                .orElseThrow();
    }

    @Override
    public String issuedCertificatePem(CertificateSigningRequest request) {
        return CertificateRequests.certificatePem(request.getStatus().getCertificate());
    }

    @Override
    public RequestSnapshot snapshot(CertificateSigningRequest request) {
        return CertificateSigningRequests.snapshot(request);
    }

    @Override
    public LeafRequest leafRequest(CertificateSigningRequest request) {
        return CertificateSigningRequests.leafRequest(request);
    }

    @Override
    public Optional<RequestDecision.Fail> refusal(CertificateSigningRequest request, IssuerId issuer) {
        if (issuer.isClusterIssuer() || references.mayReference(request, issuer)) {
            return Optional.empty();
        }
        return Optional.of(new RequestDecision.Fail(
                DENIED_REFERENCE,
                DENIED_REFERENCE,
                "Requester "
                        + request.getSpec().getUsername() + " may not reference Namespaced Issuer " + issuer.namespace()
                        + "/" + issuer.name() + ": it needs the verb reference on signers."
                        + dev.azurekeyvaultissuer.api.ApiGroup.NAME + " in namespace " + issuer.namespace()));
    }

    @Override
    public boolean showsPending(CertificateSigningRequest request, String message) {
        return Objects.equals(lastPending.get(request.getMetadata().getUid()), message);
    }

    @Override
    public void pending(CertificateSigningRequest request, String message) {
        lastPending.put(request.getMetadata().getUid(), message);
    }

    @Override
    public void failed(CertificateSigningRequest request, String reason, String message) {
        lastPending.remove(request.getMetadata().getUid());
        writer.failed(request, reason, message);
    }

    @Override
    public boolean issued(CertificateSigningRequest request, String certificatePem, String caPem) {
        lastPending.remove(request.getMetadata().getUid());
        return writer.issued(request, certificatePem);
    }
}
