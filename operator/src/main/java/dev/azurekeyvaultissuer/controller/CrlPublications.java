package dev.azurekeyvaultissuer.controller;

import dev.azurekeyvaultissuer.issuer.IssuerId;
import dev.azurekeyvaultissuer.pki.CertificateRevocationList;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The CRL each issuer publishes, by the path the CRL server serves it at. Filled by the issuer checks (the list the
 * vault holds, signed again when due) and by revocations; read by the CRL server.
 */
public final class CrlPublications {

    private final ConcurrentMap<String, CertificateRevocationList> byPath = new ConcurrentHashMap<>();

    /**
     * The stable path of an issuer's CRL: {@code /crl/issuers/<namespace>/<name>.crl} or
     * {@code /crl/clusterissuers/<name>.crl}. Kubernetes names hold no slash, so paths never collide.
     */
    public static String pathOf(IssuerId issuer) {
        return issuer.isClusterIssuer()
                ? "/crl/clusterissuers/" + issuer.name() + ".crl"
                : "/crl/issuers/" + issuer.namespace() + "/" + issuer.name() + ".crl";
    }

    /** Publishes a CRL unless a newer one (a higher CRL number) is already published for the issuer. */
    public void publish(IssuerId issuer, CertificateRevocationList crl) {
        byPath.merge(pathOf(issuer), crl, (old, now) -> now.number().compareTo(old.number()) >= 0 ? now : old);
    }

    public Optional<CertificateRevocationList> byPath(String path) {
        return Optional.ofNullable(byPath.get(path));
    }

    Optional<CertificateRevocationList> of(IssuerId issuer) {
        return byPath(pathOf(issuer));
    }

    void forget(IssuerId issuer) {
        byPath.remove(pathOf(issuer));
    }
}
