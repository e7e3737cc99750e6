package dev.azurekeyvaultissuer.controller;

import io.fabric8.certmanager.api.model.v1.CertificateRequest;
import io.fabric8.certmanager.api.model.v1.CertificateRequestSpec;
import io.fabric8.certmanager.api.model.v1.CertificateRequestStatus;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.fabric8.kubernetes.client.informers.cache.ItemStore;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * The request informer's cache, which holds every CertificateRequest of the cluster, keeping of each only what the
 * operator needs: of a request for another issuer (most of them in a cluster that also runs cert-manager's own
 * issuers) its name, namespace and resourceVersion, under a few hundred bytes, instead of its CSR, certificate and
 * annotations; of one of ours that is final, what says it is final (its conditions, failureTime, a mark for the
 * certificate) without the CSR and the certificate. Ours that are not final are kept whole: signing needs the CSR.
 *
 * <p>Every object is kept, under its key, so the informer's state and indexes stay complete (a delete finds what
 * it removes). Cached objects are never modified in place: a slimmed one is a new object, the informer's own goes on
 * to the event handlers untouched. Only the resourceVersion must stay, so that a relist sees nothing changed.
 */
final class RequestCacheStore implements ItemStore<CertificateRequest> {

    /** Stands in for status.certificate of a final request: set, so the request still reads as issued. */
    static final String CERTIFICATE_DROPPED = "(dropped from the operator's cache: the request is final)";

    private final ConcurrentHashMap<String, CertificateRequest> items = new ConcurrentHashMap<>();

    @Override
    public String getKey(CertificateRequest request) {
        return Cache.metaNamespaceKeyFunc(request);
    }

    @Override
    public CertificateRequest put(String key, CertificateRequest request) {
        return items.put(key, slim(request));
    }

    /** What is kept of a request, as described above. */
    static CertificateRequest slim(CertificateRequest request) {
        if (!CertificateRequests.isOurs(request)) {
            CertificateRequest stub = new CertificateRequest();
            stub.setMetadata(meta(request.getMetadata()));
            return stub;
        }
        if (!CertificateRequests.snapshot(request).isTerminal()) {
            return request;
        }
        CertificateRequest kept = new CertificateRequest();
        ObjectMeta meta = meta(request.getMetadata());
        meta.setAnnotations(revocationAnnotations(request.getMetadata().getAnnotations()));
        meta.setUid(request.getMetadata().getUid());
        meta.setGeneration(request.getMetadata().getGeneration());
        meta.setCreationTimestamp(request.getMetadata().getCreationTimestamp());
        kept.setMetadata(meta);
        CertificateRequestSpec spec = new CertificateRequestSpec();
        spec.setIssuerRef(request.getSpec().getIssuerRef());
        spec.setUsages(List.of());
        spec.setExtra(Map.of());
        spec.setGroups(List.of());
        kept.setSpec(spec);
        CertificateRequestStatus status = new CertificateRequestStatus();
        CertificateRequestStatus full = request.getStatus();
        status.setConditions(full.getConditions() == null ? List.of() : List.copyOf(full.getConditions()));
        status.setFailureTime(full.getFailureTime());
        status.setCertificate(
                full.getCertificate() == null || full.getCertificate().isEmpty() ? null : CERTIFICATE_DROPPED);
        kept.setStatus(status);
        return kept;
    }

    /** Of the annotations, only those that ask for a revocation and record its outcome. */
    private static Map<String, String> revocationAnnotations(Map<String, String> annotations) {
        if (annotations == null
                || !annotations.containsKey(RequestRevocations.REVOKE)
                        && !annotations.containsKey(RequestRevocations.OUTCOME)) {
            return Map.of();
        }
        Map<String, String> kept = new java.util.HashMap<>();
        for (String key : List.of(RequestRevocations.REVOKE, RequestRevocations.OUTCOME)) {
            if (annotations.containsKey(key)) {
                kept.put(key, annotations.get(key));
            }
        }
        return Map.copyOf(kept);
    }

    /** Name, namespace (shared with every request of the namespace) and resourceVersion; shared empty lists. */
    private static ObjectMeta meta(ObjectMeta full) {
        ObjectMeta meta = new ObjectMeta();
        meta.setName(full.getName());
        meta.setNamespace(
                full.getNamespace() == null ? null : full.getNamespace().intern());
        meta.setResourceVersion(full.getResourceVersion());
        meta.setAnnotations(Map.of());
        meta.setLabels(Map.of());
        meta.setFinalizers(List.of());
        meta.setManagedFields(List.of());
        meta.setOwnerReferences(List.of());
        return meta;
    }

    @Override
    public CertificateRequest remove(String key) {
        return items.remove(key);
    }

    @Override
    public Stream<String> keySet() {
        return items.keySet().stream();
    }

    @Override
    public Stream<CertificateRequest> values() {
        return items.values().stream();
    }

    @Override
    public int size() {
        return items.size();
    }

    @Override
    public CertificateRequest get(String key) {
        return items.get(key);
    }
}
