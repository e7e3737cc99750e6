package dev.azurekeyvaultissuer.issuer;

import dev.azurekeyvaultissuer.keyvault.CertificateReference;
import dev.azurekeyvaultissuer.keyvault.SecretReference;

/** Where an issuer's CA certificate (chain) is kept in a vault. */
public sealed interface CaCertificateLocation {

    /** The vault that holds it. */
    java.net.URI vaultUrl();

    /** A secret holding PEM: the CA certificate or the chain from the CA up to the root. */
    record VaultSecret(SecretReference secret) implements CaCertificateLocation {
        @Override
        public java.net.URI vaultUrl() {
            return secret.vaultUrl();
        }

        @Override
        public String toString() {
            return "secret " + secret;
        }
    }

    /** A Key Vault certificate object whose certificate is the CA's. */
    record VaultCertificate(CertificateReference certificate) implements CaCertificateLocation {
        @Override
        public java.net.URI vaultUrl() {
            return certificate.vaultUrl();
        }

        @Override
        public String toString() {
            return "certificate " + certificate;
        }
    }
}
