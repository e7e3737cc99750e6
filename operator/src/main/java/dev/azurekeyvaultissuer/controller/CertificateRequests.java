package dev.azurekeyvaultissuer.controller;

import dev.azurekeyvaultissuer.api.ApiGroup;
import dev.azurekeyvaultissuer.issuer.IssuerId;
import dev.azurekeyvaultissuer.issuer.RequestSnapshot;
import dev.azurekeyvaultissuer.pki.CsrRejectedException;
import dev.azurekeyvaultissuer.pki.LeafRequest;
import io.fabric8.certmanager.api.model.meta.v1.ObjectReference;
import io.fabric8.certmanager.api.model.v1.CertificateRequest;
import io.fabric8.certmanager.api.model.v1.CertificateRequestCondition;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/** Reads what we need from cert-manager's CertificateRequest: whose it is, its state, and what it asks for. */
final class CertificateRequests {

    /** Base64 of the largest CSR PEM we accept (64 KiB); larger ones are refused before decoding. */
    static final int MAX_REQUEST_BASE64 = (64 * 1024 + 2) / 3 * 4;

    private CertificateRequests() {}

    /** Ours: issuerRef.group is our group and the kind is Issuer (also when empty) or ClusterIssuer. */
    static boolean isOurs(CertificateRequest request) {
        ObjectReference ref =
                request.getSpec() == null ? null : request.getSpec().getIssuerRef();
        if (ref == null || !ApiGroup.NAME.equals(ref.getGroup()) || ref.getName() == null) {
            return false;
        }
        String kind = ref.getKind();
        return kind == null
                || kind.isEmpty()
                || ApiGroup.ISSUER_KIND.equals(kind)
                || ApiGroup.CLUSTER_ISSUER_KIND.equals(kind);
    }

    static IssuerId issuerOf(CertificateRequest request) {
        ObjectReference ref = request.getSpec().getIssuerRef();
        return ApiGroup.CLUSTER_ISSUER_KIND.equals(ref.getKind())
                ? IssuerId.clusterIssuer(ref.getName())
                : IssuerId.issuer(request.getMetadata().getNamespace(), ref.getName());
    }

    static RequestSnapshot snapshot(CertificateRequest request) {
        var status = request.getStatus();
        List<CertificateRequestCondition> conditions =
                status == null || status.getConditions() == null ? List.of() : status.getConditions();
        String created = request.getMetadata().getCreationTimestamp();
        return new RequestSnapshot(
                isTrue(conditions, "Approved"),
                isTrue(conditions, "Denied"),
                condition(conditions, "Ready").map(CertificateRequestCondition::getReason),
                status != null
                        && status.getFailureTime() != null
                        && !status.getFailureTime().isEmpty(),
                status != null
                        && status.getCertificate() != null
                        && !status.getCertificate().isEmpty(),
                created == null ? Instant.EPOCH : Instant.parse(created));
    }

    static Optional<CertificateRequestCondition> condition(List<CertificateRequestCondition> conditions, String type) {
        return conditions.stream().filter(c -> type.equals(c.getType())).findFirst();
    }

    private static boolean isTrue(List<CertificateRequestCondition> conditions, String type) {
        return condition(conditions, type)
                .map(c -> "True".equals(c.getStatus()))
                .orElse(false);
    }

    /**
     * A status.certificate as both request APIs store it: base64 of the PEM certificate and chain.
     *
     * @throws IllegalArgumentException when it is empty or not base64
     */
    static String certificatePem(String base64) {
        if (base64 == null || base64.isEmpty()) {
            throw new IllegalArgumentException("the request holds no certificate");
        }
        try {
            return new String(Base64.getDecoder().decode(base64), StandardCharsets.US_ASCII);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the request's certificate is not base64");
        }
    }

    /** The leaf the request asks for. A request we cannot read is the user's to fix: it fails for good. */
    static LeafRequest leafRequest(CertificateRequest request) {
        var spec = request.getSpec();
        String encoded = spec.getRequest();
        if (encoded == null || encoded.isEmpty()) {
            throw new CsrRejectedException("spec.request is empty: it must hold a PEM-encoded CSR");
        }
        if (encoded.length() > MAX_REQUEST_BASE64) {
            throw new CsrRejectedException("spec.request is larger than 64 KiB");
        }
        String pem;
        try {
            pem = new String(Base64.getDecoder().decode(encoded), StandardCharsets.US_ASCII);
        } catch (IllegalArgumentException e) {
            throw new CsrRejectedException("spec.request is not base64");
        }
        Optional<Duration> duration = Optional.ofNullable(spec.getDuration()).map(d -> d.getDuration());
        boolean isCA = Boolean.TRUE.equals(spec.getIsCA());
        List<String> usages = spec.getUsages() == null ? List.of() : List.copyOf(spec.getUsages());
        return new LeafRequest(pem, duration, isCA, usages);
    }
}
