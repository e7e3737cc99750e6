package dev.azurekeyvaultissuer.issuer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.azurekeyvaultissuer.api.CaCertificateSource;
import dev.azurekeyvaultissuer.api.IssuerAuth;
import dev.azurekeyvaultissuer.api.IssuerPolicy;
import dev.azurekeyvaultissuer.api.IssuerSpec;
import dev.azurekeyvaultissuer.api.LocalObjectReference;
import dev.azurekeyvaultissuer.api.SecretKeySelector;
import dev.azurekeyvaultissuer.api.ServicePrincipalAuth;
import dev.azurekeyvaultissuer.api.WorkloadIdentityAuth;
import dev.azurekeyvaultissuer.keyvault.SignatureAlgorithm;
import dev.azurekeyvaultissuer.pki.AuthorityUrls;
import dev.azurekeyvaultissuer.pki.IssuancePolicy;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class IssuerSettingsTest {

    private static IssuerSpec spec(String vault, String key, String version) {
        IssuerSpec spec = new IssuerSpec();
        spec.setVaultURL(vault);
        spec.setKeyName(key);
        spec.setKeyVersion(version);
        return spec;
    }

    @Test
    void vaultUrlAndKeyNameWithDefaultCaSecret() {
        IssuerSettings settings = IssuerSettings.from(spec("https://Contoso.vault.azure.net/", "ca", ""));
        assertEquals(
                "https://contoso.vault.azure.net", settings.key().vaultUrl().toString());
        assertEquals("ca", settings.key().name());
        assertEquals(Optional.empty(), settings.key().version());
        var secret = assertInstanceOf(CaCertificateLocation.VaultSecret.class, settings.caCertificate());
        assertEquals("ca", secret.secret().name());
        assertEquals(settings.key().vaultUrl(), secret.secret().vaultUrl());
        assertInstanceOf(AuthMethod.Ambient.class, settings.auth());
    }

    @Test
    void keyUriInCosignsForm() {
        IssuerSpec spec = new IssuerSpec();
        spec.setKeyURI("azurekms://contoso.vault.azure.net/ca/0123456789abcdef0123456789abcdef");
        IssuerSettings settings = IssuerSettings.from(spec);
        assertEquals(
                "https://contoso.vault.azure.net", settings.key().vaultUrl().toString());
        assertEquals(
                Optional.of("0123456789abcdef0123456789abcdef"), settings.key().version());
    }

    @Test
    void keyUriWithABareVaultName() {
        IssuerSpec spec = new IssuerSpec();
        spec.setKeyURI("azurekms://contoso/ca");
        assertEquals(
                "https://contoso.vault.azure.net",
                IssuerSettings.from(spec).key().vaultUrl().toString());
    }

    @Test
    void bothKeyFormsAreRefused() {
        IssuerSpec spec = spec("https://contoso.vault.azure.net", "ca", null);
        spec.setKeyURI("azurekms://contoso.vault.azure.net/ca");
        var e = assertThrows(InvalidIssuerSpecException.class, () -> IssuerSettings.from(spec));
        assertTrue(e.getMessage().contains("not both"));
    }

    @Test
    void missingKeyIsRefused() {
        assertThrows(InvalidIssuerSpecException.class, () -> IssuerSettings.from(new IssuerSpec()));
        assertThrows(InvalidIssuerSpecException.class, () -> IssuerSettings.from(null));
    }

    @Test
    void plainHttpVaultIsRefused() {
        var e = assertThrows(
                InvalidIssuerSpecException.class,
                () -> IssuerSettings.from(spec("http://contoso.vault.azure.net", "ca", null)));
        assertTrue(e.getMessage().contains("https"), e.getMessage());
    }

    @Test
    void managedHsmNeedsAVaultForTheCaCertificate() {
        var e = assertThrows(
                InvalidIssuerSpecException.class,
                () -> IssuerSettings.from(spec("https://pool.managedhsm.azure.net", "ca", null)));
        assertTrue(e.getMessage().contains("caCertificate.vaultURL"));
        IssuerSpec spec = spec("https://pool.managedhsm.azure.net", "ca", null);
        CaCertificateSource source = new CaCertificateSource();
        source.setVaultURL("https://contoso.vault.azure.net");
        spec.setCaCertificate(source);
        var secret =
                (CaCertificateLocation.VaultSecret) IssuerSettings.from(spec).caCertificate();
        assertEquals(
                "https://contoso.vault.azure.net", secret.secret().vaultUrl().toString());
        assertEquals("ca", secret.secret().name());
    }

    @Test
    void revocationDefaultsToACrlSecretNamedLikeTheKeyInTheCaVault() {
        assertEquals(
                Optional.empty(),
                IssuerSettings.from(spec("https://contoso.vault.azure.net", "ca", null))
                        .revocation());
        IssuerSpec spec = spec("https://pool.managedhsm.azure.net", "ca", null);
        CaCertificateSource source = new CaCertificateSource();
        source.setVaultURL("https://contoso.vault.azure.net");
        spec.setCaCertificate(source);
        spec.setRevocation(new dev.azurekeyvaultissuer.api.IssuerRevocation());

        CrlSettings crl = IssuerSettings.from(spec).revocation().orElseThrow();

        assertEquals("https://contoso.vault.azure.net", crl.secret().vaultUrl().toString(), "an HSM holds no secrets");
        assertEquals("ca-crl", crl.secret().name());
        assertEquals(java.time.Duration.ofHours(24), crl.validity());
        assertEquals(java.time.Duration.ofHours(8), crl.refreshBefore());
    }

    @Test
    void revocationSettingsAreCheckedAndNamed() {
        IssuerSpec spec = spec("https://contoso.vault.azure.net", "ca", null);
        var revocation = new dev.azurekeyvaultissuer.api.IssuerRevocation();
        revocation.setCrlValidity("2h");
        revocation.setCrlRefreshBefore("30m");
        revocation.setSecretName("team-crl");
        spec.setRevocation(revocation);
        CrlSettings crl = IssuerSettings.from(spec).revocation().orElseThrow();
        assertEquals("team-crl", crl.secret().name());
        assertEquals(java.time.Duration.ofMinutes(30), crl.refreshBefore());

        revocation.setCrlRefreshBefore("2h");
        var e = assertThrows(InvalidIssuerSpecException.class, () -> IssuerSettings.from(spec));
        assertTrue(e.getMessage().contains("revocation.crlRefreshBefore"), e.getMessage());
        revocation.setCrlRefreshBefore(null);
        revocation.setCrlValidity("tomorrow");
        e = assertThrows(InvalidIssuerSpecException.class, () -> IssuerSettings.from(spec));
        assertTrue(e.getMessage().contains("revocation.crlValidity"), e.getMessage());
        revocation.setCrlValidity(null);
        revocation.setSecretName("ca");
        e = assertThrows(InvalidIssuerSpecException.class, () -> IssuerSettings.from(spec));
        assertTrue(e.getMessage().contains("the CA certificate's secret"), e.getMessage());
    }

    @Test
    void caFromAKeyVaultCertificateObject() {
        IssuerSpec spec = spec("https://contoso.vault.azure.net", "ca", null);
        CaCertificateSource source = new CaCertificateSource();
        source.setCertificateName("ca-cert");
        spec.setCaCertificate(source);
        var certificate = assertInstanceOf(
                CaCertificateLocation.VaultCertificate.class,
                IssuerSettings.from(spec).caCertificate());
        assertEquals("ca-cert", certificate.certificate().name());
    }

    @Test
    void signatureAlgorithmIsParsed() {
        IssuerSpec spec = spec("https://contoso.vault.azure.net", "ca", null);
        spec.setSignatureAlgorithm("ps384");
        assertEquals(
                Optional.of(SignatureAlgorithm.PS384), IssuerSettings.from(spec).signatureAlgorithm());
        spec.setSignatureAlgorithm("MD5");
        assertThrows(InvalidIssuerSpecException.class, () -> IssuerSettings.from(spec));
    }

    @Test
    void servicePrincipalNeedsExactlyOneSecretReference() {
        IssuerSpec spec = spec("https://contoso.vault.azure.net", "ca", null);
        ServicePrincipalAuth sp = new ServicePrincipalAuth();
        sp.setTenantID("t");
        sp.setClientID("c");
        IssuerAuth auth = new IssuerAuth();
        auth.setServicePrincipal(sp);
        spec.setAuth(auth);
        assertThrows(InvalidIssuerSpecException.class, () -> IssuerSettings.from(spec));
        sp.setClientSecretRef(new SecretKeySelector("sp", "clientSecret"));
        var cs = assertInstanceOf(
                AuthMethod.ClientSecret.class, IssuerSettings.from(spec).auth());
        assertEquals("sp", cs.secretName());
        sp.setClientCertificateRef(new SecretKeySelector("sp", "tls.pem"));
        assertThrows(InvalidIssuerSpecException.class, () -> IssuerSettings.from(spec));
    }

    @Test
    void workloadIdentityNeedsItsFields() {
        IssuerSpec spec = spec("https://contoso.vault.azure.net", "ca", null);
        WorkloadIdentityAuth wi = new WorkloadIdentityAuth();
        wi.setServiceAccountRef(new LocalObjectReference("signer"));
        wi.setClientID("c");
        IssuerAuth auth = new IssuerAuth();
        auth.setWorkloadIdentity(wi);
        spec.setAuth(auth);
        var e = assertThrows(InvalidIssuerSpecException.class, () -> IssuerSettings.from(spec));
        assertTrue(e.getMessage().contains("tenantID"));
        wi.setTenantID("t");
        assertInstanceOf(
                AuthMethod.WorkloadIdentity.class, IssuerSettings.from(spec).auth());
    }

    // ---- spec.policy

    @Test
    void withoutAPolicyNoCaIsIssued() {
        IssuancePolicy policy = IssuerSettings.from(spec("https://contoso.vault.azure.net", "ca", null))
                .policy();
        assertEquals(IssuancePolicy.DEFAULT, policy);
        assertFalse(policy.allowCA());
        assertEquals(Optional.of(0), policy.pathLengthLimit());
    }

    @Test
    void aPolicyIsReadIntoItsRules() {
        IssuerSpec spec = spec("https://contoso.vault.azure.net", "ca", null);
        IssuerPolicy policy = new IssuerPolicy();
        policy.setAllowCA(true);
        policy.setMaxPathLen(1);
        policy.setAllowedDNSNames(List.of("*.Shop.example.com"));
        policy.setAllowedURIPrefixes(List.of("spiffe://cluster.local/ns/shop/"));
        policy.setAllowedIPRanges(List.of("10.0.0.0/8"));
        policy.setMaxDuration("2160h30m");
        policy.setAllowedUsages(List.of("digital signature", "server auth"));
        spec.setPolicy(policy);

        IssuancePolicy read = IssuerSettings.from(spec).policy();

        assertTrue(read.allowCA());
        assertEquals(Optional.of(1), read.pathLengthLimit());
        assertEquals(List.of("*.shop.example.com"), read.allowedDnsNames());
        assertEquals(List.of(IssuancePolicy.IpRange.parse("10.0.0.0/8")), read.allowedIpRanges());
        assertEquals(Optional.of(Duration.ofHours(2160).plusMinutes(30)), read.maxDuration());
        assertEquals(List.of("digital signature", "server auth"), read.allowedUsages());
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "allowedDNSNames | *.*.example.com",
                "allowedIPRanges | 10.0.0.0/40",
                "allowedIPRanges | 10.0.0.1/8",
                "allowedURIPrefixes | /relative/",
                "allowedUsages | world domination",
                "maxDuration | 90d",
                "maxDuration | 0s"
            })
    void anInvalidPolicyIsAnInvalidSpecNamingTheField(String field, String value) {
        IssuerSpec spec = spec("https://contoso.vault.azure.net", "ca", null);
        IssuerPolicy policy = new IssuerPolicy();
        switch (field) {
            case "allowedDNSNames" -> policy.setAllowedDNSNames(List.of(value));
            case "allowedIPRanges" -> policy.setAllowedIPRanges(List.of(value));
            case "allowedURIPrefixes" -> policy.setAllowedURIPrefixes(List.of(value));
            case "allowedUsages" -> policy.setAllowedUsages(List.of(value));
            default -> policy.setMaxDuration(value);
        }
        spec.setPolicy(policy);

        InvalidIssuerSpecException e = assertThrows(InvalidIssuerSpecException.class, () -> IssuerSettings.from(spec));
        assertTrue(e.getMessage().startsWith("policy." + field), e.getMessage());
    }

    // ---- spec.crlDistributionPoints, spec.ocspServers, spec.issuingCertificateURLs

    @Test
    void withoutUrlsTheCertificatesNameNone() {
        assertEquals(
                AuthorityUrls.NONE,
                IssuerSettings.from(spec("https://contoso.vault.azure.net", "ca", null))
                        .urls());
    }

    @Test
    void theUrlsAreReadInOrder() {
        IssuerSpec spec = spec("https://contoso.vault.azure.net", "ca", null);
        spec.setCrlDistributionPoints(List.of("http://pki.example.com/b.crl", "http://pki.example.com/a.crl"));
        spec.setOcspServers(List.of("http://ocsp.example.com"));
        spec.setIssuingCertificateURLs(List.of("http://pki.example.com/ca.crt"));

        AuthorityUrls urls = IssuerSettings.from(spec).urls();

        assertEquals(
                List.of("http://pki.example.com/b.crl", "http://pki.example.com/a.crl"), urls.crlDistributionPoints());
        assertEquals(List.of("http://ocsp.example.com"), urls.ocspServers());
        assertEquals(List.of("http://pki.example.com/ca.crt"), urls.issuingCertificateUrls());
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "crlDistributionPoints  | ldap://ldap.example.com/cn=CA?certificateRevocationList",
                "ocspServers            | ocsp.example.com",
                "issuingCertificateURLs | http://pki.example.com/%zz"
            })
    void anInvalidUrlIsAnInvalidSpecNamingTheField(String field, String url) {
        IssuerSpec spec = spec("https://contoso.vault.azure.net", "ca", null);
        switch (field) {
            case "crlDistributionPoints" -> spec.setCrlDistributionPoints(List.of(url));
            case "ocspServers" -> spec.setOcspServers(List.of(url));
            default -> spec.setIssuingCertificateURLs(List.of(url));
        }

        var e = assertThrows(InvalidIssuerSpecException.class, () -> IssuerSettings.from(spec));

        assertTrue(e.getMessage().startsWith(field + "[0]: \"" + url + "\""), e.getMessage());
    }
}
