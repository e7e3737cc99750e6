package dev.azurekeyvaultissuer.cli;

import dev.azurekeyvaultissuer.api.ApiGroup;
import dev.azurekeyvaultissuer.keyvault.CertificateReference;
import dev.azurekeyvaultissuer.keyvault.KeyReference;
import dev.azurekeyvaultissuer.keyvault.SecretReference;
import dev.azurekeyvaultissuer.keyvault.SignatureAlgorithm;
import java.util.Optional;

/**
 * The ClusterIssuer that uses a CA {@code create-ca-cert} just made, as YAML ready for {@code kubectl apply -f -}.
 * It spells out only what differs from the defaults, so it reads like a user's own: the CA chain's location only when
 * it is not the secret named like the key in the key's vault, the key version only when the user pinned one.
 */
final class CaBootstrapIssuerManifest {

    private CaBootstrapIssuerManifest() {}

    /**
     * @param madeForVersion the key version the CA certificate holds, for a comment; empty in a dry run
     * @param secret the secret holding the chain, or empty when a certificate object does
     */
    static String clusterIssuer(
            String name,
            KeyReference key,
            boolean keyUriForm,
            Optional<String> madeForVersion,
            Optional<SecretReference> secret,
            Optional<CertificateReference> certificate,
            Optional<SignatureAlgorithm> algorithm) {
        StringBuilder y = new StringBuilder();
        y.append("# The ClusterIssuer for this CA: kubectl apply -f <this file>\n");
        y.append("apiVersion: ")
                .append(ApiGroup.NAME)
                .append('/')
                .append(ApiGroup.VERSION)
                .append('\n');
        y.append("kind: ").append(ApiGroup.CLUSTER_ISSUER_KIND).append('\n');
        y.append("metadata:\n");
        y.append("  name: ").append(name).append('\n');
        y.append("spec:\n");
        if (keyUriForm) {
            y.append("  keyURI: ").append(azureKms(key)).append('\n');
        } else {
            y.append("  vaultURL: ").append(key.vaultUrl()).append('\n');
            y.append("  keyName: ").append(key.name()).append('\n');
            key.version().ifPresent(v -> y.append("  keyVersion: ").append(v).append('\n'));
        }
        if (key.version().isEmpty()) {
            madeForVersion.ifPresent(v -> y.append("  # keyVersion: ")
                    .append(v)
                    .append("   # the version this CA certificate is for; unset follows the key's rotation\n"));
        }
        if (certificate.isPresent()) {
            CertificateReference c = certificate.get();
            y.append("  caCertificate:\n");
            y.append("    certificateName: ").append(c.name()).append('\n');
            if (!c.vaultUrl().equals(key.vaultUrl())) {
                y.append("    vaultURL: ").append(c.vaultUrl()).append('\n');
            }
        } else if (secret.isPresent()) {
            SecretReference s = secret.get();
            boolean sameName = s.name().equals(key.name());
            boolean sameVault = s.vaultUrl().equals(key.vaultUrl());
            if (!sameName || !sameVault) {
                y.append("  caCertificate:\n");
                if (!sameName) {
                    y.append("    secretName: ").append(s.name()).append('\n');
                }
                if (!sameVault) {
                    y.append("    vaultURL: ").append(s.vaultUrl()).append('\n');
                }
            }
        }
        algorithm.ifPresent(
                a -> y.append("  signatureAlgorithm: ").append(a.name()).append('\n'));
        return y.toString();
    }

    /** cosign's form: {@code azurekms://<vault-host>[:port]/<key>[/<version>]}. */
    static String azureKms(KeyReference key) {
        return "azurekms://" + key.vaultUrl().getRawAuthority() + "/" + key.name()
                + key.version().map(v -> "/" + v).orElse("");
    }
}
