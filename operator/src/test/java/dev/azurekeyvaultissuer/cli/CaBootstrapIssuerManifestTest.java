package dev.azurekeyvaultissuer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.azurekeyvaultissuer.api.ClusterIssuer;
import dev.azurekeyvaultissuer.issuer.CaCertificateLocation;
import dev.azurekeyvaultissuer.issuer.IssuerSettings;
import dev.azurekeyvaultissuer.keyvault.CertificateReference;
import dev.azurekeyvaultissuer.keyvault.KeyReference;
import dev.azurekeyvaultissuer.keyvault.SecretReference;
import dev.azurekeyvaultissuer.keyvault.SignatureAlgorithm;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The printed ClusterIssuer parses into exactly the settings the CA was made for, and says no more than needed. */
class CaBootstrapIssuerManifestTest {

    private static final KeyReference KEY = KeyReference.of("https://contoso.vault.azure.net", "internal-ca", null);

    @Test
    void defaultSecretNeedsNoCaCertificate() {
        String yaml = CaBootstrapIssuerManifest.clusterIssuer(
                "internal-ca",
                KEY,
                false,
                Optional.of("0123abcd"),
                Optional.of(SecretReference.of("https://contoso.vault.azure.net", "internal-ca")),
                Optional.empty(),
                Optional.empty());
        assertEquals("""
                # The ClusterIssuer for this CA: kubectl apply -f <this file>
                apiVersion: azure-keyvault-issuer.dev/v1beta1
                kind: ClusterIssuer
                metadata:
                  name: internal-ca
                spec:
                  vaultURL: https://contoso.vault.azure.net
                  keyName: internal-ca
                  # keyVersion: 0123abcd   # the version this CA certificate is for; unset follows the key's rotation
                """, yaml);
        IssuerSettings settings = settings(yaml);
        assertEquals(KEY, settings.key());
        assertEquals(
                new CaCertificateLocation.VaultSecret(
                        SecretReference.of("https://contoso.vault.azure.net", "internal-ca")),
                settings.caCertificate());
    }

    @Test
    void managedHsmKeyWithTheChainElsewhereAndAnAlgorithm() {
        KeyReference hsmKey = KeyReference.of("https://contoso.managedhsm.azure.net", "ca", "0123abcd");
        SecretReference chain = SecretReference.of("https://chains.vault.azure.net", "ca-chain");
        String yaml = CaBootstrapIssuerManifest.clusterIssuer(
                "ca",
                hsmKey,
                false,
                Optional.of("0123abcd"),
                Optional.of(chain),
                Optional.empty(),
                Optional.of(SignatureAlgorithm.PS384));
        IssuerSettings settings = settings(yaml);
        assertEquals(hsmKey, settings.key());
        assertEquals(new CaCertificateLocation.VaultSecret(chain), settings.caCertificate());
        assertEquals(Optional.of(SignatureAlgorithm.PS384), settings.signatureAlgorithm());
    }

    @Test
    void keyUriAndCertificateObject() {
        KeyReference key = KeyReference.parseAzureKms("azurekms://contoso.vault.azure.net/ca");
        CertificateReference certificate = CertificateReference.of("https://contoso.vault.azure.net", "ca");
        String yaml = CaBootstrapIssuerManifest.clusterIssuer(
                "ca", key, true, Optional.empty(), Optional.empty(), Optional.of(certificate), Optional.empty());
        IssuerSettings settings = settings(yaml);
        assertEquals(key, settings.key());
        assertEquals(new CaCertificateLocation.VaultCertificate(certificate), settings.caCertificate());
        assertEquals(
                "azurekms://contoso.vault.azure.net/ca",
                CreateCaCertHarness.parseIssuer(yaml).getSpec().getKeyURI());
    }

    @Test
    void validityFormats() {
        assertEquals(Duration.ofHours(87600), CreateCaDurations.parse("87600h"));
        assertEquals(Duration.ofDays(3650), CreateCaDurations.parse("3650d"));
        assertEquals(Duration.ofHours(8760).plusMinutes(30), CreateCaDurations.parse("8760h30m"));
        assertEquals(Duration.ofDays(3650), CreateCaDurations.parse("P3650D"));
    }

    private static IssuerSettings settings(String yaml) {
        ClusterIssuer issuer = CreateCaCertHarness.parseIssuer(yaml);
        return IssuerSettings.from(issuer.getSpec());
    }
}
