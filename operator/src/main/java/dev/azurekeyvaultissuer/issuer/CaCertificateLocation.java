package dev.azurekeyvaultissuer.issuer;

import dev.azurekeyvaultissuer.keyvault.CertificateReference;
import dev.azurekeyvaultissuer.keyvault.SecretReference;

/** Where an issuer's CA certificate (chain) is kept in a vault. */
public sealed interface CaCertificateLocation {

    /** A secret holding PEM: the CA certificate or the chain from the CA up to the root. */
    record VaultSecret(SecretReference secret) implements CaCertificateLocation {
        @Override
        public String toString() {
            return "secret " + secret;
        }
    }

    /** A Key Vault certificate object whose certificate is the CA's. */
    record VaultCertificate(CertificateReference certificate) implements CaCertificateLocation {
        @Override
        public String toString() {
            return "certificate " + certificate;
        }
    }
}
