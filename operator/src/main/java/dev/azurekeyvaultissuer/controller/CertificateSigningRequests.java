package dev.azurekeyvaultissuer.controller;

import dev.azurekeyvaultissuer.api.ApiGroup;
import dev.azurekeyvaultissuer.issuer.IssuerId;
import dev.azurekeyvaultissuer.issuer.RequestSnapshot;
import dev.azurekeyvaultissuer.pki.CsrRejectedException;
import dev.azurekeyvaultissuer.pki.LeafRequest;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequest;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequestCondition;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Reads what we need from a Kubernetes CertificateSigningRequest (certificates.k8s.io/v1): whose it is by its signer
 * name, its state, and what it asks for, with cert-manager's annotations for what the Kubernetes API cannot say.
 */
final class CertificateSigningRequests {

    /** cert-manager's annotation for a duration in Go's format; wins over spec.expirationSeconds. */
    static final String DURATION_ANNOTATION = "experimental.cert-manager.io/request-duration";
    /** cert-manager's annotation asking for a CA certificate. */
    static final String IS_CA_ANNOTATION = "experimental.cert-manager.io/request-is-ca";
    /** The shortest certificate a CertificateSigningRequest may ask for, as Kubernetes' expirationSeconds allows. */
    static final Duration MINIMUM_DURATION = Duration.ofMinutes(10);

    // A namespace is a DNS label, so the first dot splits "<namespace>.<name>"; names may contain dots.
    private static final Pattern NAMESPACED = Pattern.compile("([a-z0-9]([-a-z0-9]*[a-z0-9])?)\\.(.+)");

    private CertificateSigningRequests() {}

    static String signerName(CertificateSigningRequest csr) {
        return csr.getSpec() == null || csr.getSpec().getSignerName() == null
                ? ""
                : csr.getSpec().getSignerName();
    }

    /** Ours: the signer name is one of our issuers', well formed. */
    static boolean isOurs(CertificateSigningRequest csr) {
        return issuerOf(signerName(csr)).isPresent();
    }

    /** The issuer a signer name names: {@code clusterissuers.<group>/<name>} or {@code issuers.<group>/<ns>.<name>}. */
    static Optional<IssuerId> issuerOf(String signerName) {
        if (signerName.startsWith(ApiGroup.CLUSTER_ISSUER_SIGNER_PREFIX)) {
            String name = signerName.substring(ApiGroup.CLUSTER_ISSUER_SIGNER_PREFIX.length());
            return name.isEmpty() || name.contains("/") ? Optional.empty() : Optional.of(IssuerId.clusterIssuer(name));
        }
        if (signerName.startsWith(ApiGroup.ISSUER_SIGNER_PREFIX)) {
            var m = NAMESPACED.matcher(signerName.substring(ApiGroup.ISSUER_SIGNER_PREFIX.length()));
            return m.matches() && !m.group(3).contains("/")
                    ? Optional.of(IssuerId.issuer(m.group(1), m.group(3)))
                    : Optional.empty();
        }
        return Optional.empty();
    }

    /** The signer name of an issuer, for messages and docs. */
    static String signerNameOf(IssuerId issuer) {
        return issuer.isClusterIssuer()
                ? ApiGroup.CLUSTER_ISSUER_SIGNER_PREFIX + issuer.name()
                : ApiGroup.ISSUER_SIGNER_PREFIX + issuer.namespace() + "." + issuer.name();
    }

    /**
     * The request's state. Denied and Failed are both final here: Kubernetes never lets a denied request be
     * signed, and a Failed condition is what an issuer writes when it gives up.
     */
    static RequestSnapshot snapshot(CertificateSigningRequest csr) {
        List<CertificateSigningRequestCondition> conditions =
                csr.getStatus() == null || csr.getStatus().getConditions() == null
                        ? List.of()
                        : csr.getStatus().getConditions();
        boolean denied = isTrue(conditions, "Denied");
        boolean failed = isTrue(conditions, "Failed");
        String certificate = csr.getStatus() == null ? null : csr.getStatus().getCertificate();
        String created = csr.getMetadata().getCreationTimestamp();
        return new RequestSnapshot(
                isTrue(conditions, "Approved"),
                denied,
                Optional.empty(),
                failed || denied,
                certificate != null && !certificate.isEmpty(),
                created == null ? Instant.EPOCH : Instant.parse(created));
    }

    static boolean isTrue(List<CertificateSigningRequestCondition> conditions, String type) {
        return conditions.stream().anyMatch(c -> type.equals(c.getType()) && "True".equals(c.getStatus()));
    }

    /** What the request asks for; anything unreadable is the requester's to fix, a permanent failure. */
    static LeafRequest leafRequest(CertificateSigningRequest csr) {
        var spec = csr.getSpec();
        String encoded = spec.getRequest();
        if (encoded == null || encoded.isEmpty()) {
            throw new CsrRejectedException("spec.request is empty: it must hold a PEM-encoded CSR");
        }
        if (encoded.length() > CertificateRequests.MAX_REQUEST_BASE64) {
            throw new CsrRejectedException("spec.request is larger than 64 KiB");
        }
        String pem;
        try {
            pem = new String(Base64.getDecoder().decode(encoded), StandardCharsets.US_ASCII);
        } catch (IllegalArgumentException e) {
            throw new CsrRejectedException("spec.request is not base64");
        }
        Map<String, String> annotations = csr.getMetadata().getAnnotations() == null
                ? Map.of()
                : csr.getMetadata().getAnnotations();
        Optional<Duration> duration = duration(annotations.get(DURATION_ANNOTATION), spec.getExpirationSeconds());
        boolean isCA = isCA(annotations.get(IS_CA_ANNOTATION));
        List<String> usages = spec.getUsages() == null ? List.of() : List.copyOf(spec.getUsages());
        return new LeafRequest(pem, duration, isCA, usages);
    }

    private static Optional<Duration> duration(String annotation, Integer expirationSeconds) {
        Duration duration;
        if (annotation != null) {
            try {
                duration = GoDurations.parse(annotation.trim());
            } catch (IllegalArgumentException e) {
                throw new CsrRejectedException(
                        "the annotation " + DURATION_ANNOTATION + " is not a duration: " + e.getMessage());
            }
        } else if (expirationSeconds != null) {
            duration = Duration.ofSeconds(expirationSeconds);
        } else {
            return Optional.empty();
        }
        if (duration.compareTo(MINIMUM_DURATION) < 0) {
            throw new CsrRejectedException("the requested duration " + duration + " is shorter than the minimum of "
                    + MINIMUM_DURATION.toMinutes() + " minutes for a CertificateSigningRequest");
        }
        return Optional.of(duration);
    }

    private static boolean isCA(String annotation) {
        if (annotation == null) {
            return false;
        }
        return switch (annotation.trim()) {
            case "true" -> true;
            case "false", "" -> false;
            default ->
                throw new CsrRejectedException("the annotation " + IS_CA_ANNOTATION + " must be \"true\" or "
                        + "\"false\", not \"" + annotation + "\"");
        };
    }
}
