package dev.azurekeyvaultissuer.issuer;

import dev.azurekeyvaultissuer.keyvault.KeyVault;
import dev.azurekeyvaultissuer.keyvault.SignatureAlgorithm;
import dev.azurekeyvaultissuer.keyvault.VaultKey;
import dev.azurekeyvaultissuer.pki.AuthorityUrls;
import dev.azurekeyvaultissuer.pki.CertificateAuthority;
import dev.azurekeyvaultissuer.pki.IssuancePolicy;
import dev.azurekeyvaultissuer.pki.IssuedCertificate;
import dev.azurekeyvaultissuer.pki.LeafCertificateIssuer;
import dev.azurekeyvaultissuer.pki.LeafRequest;
import java.time.Clock;

/**
 * A checked issuer, ready to sign: the vault (with its cached clients and credential), the key version, its CA chain
 * the signature algorithm, the issuer's policy and the URLs it writes into every certificate. Signing makes exactly
 * one vault call.
 */
public record IssuerSigner(
        KeyVault vault,
        VaultKey key,
        CertificateAuthority ca,
        SignatureAlgorithm algorithm,
        IssuancePolicy policy,
        AuthorityUrls urls) {

    public IssuedCertificate sign(LeafRequest request, Clock clock) {
        return new LeafCertificateIssuer(vault, clock).issue(request, ca, key, algorithm, policy, urls);
    }
}
