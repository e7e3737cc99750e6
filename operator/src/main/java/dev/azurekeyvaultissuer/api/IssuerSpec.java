package dev.azurekeyvaultissuer.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.azurekeyvaultissuer.pki.AuthorityUrls;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;

/**
 * Which vault key signs, where the CA certificate comes from and how to authenticate. The key is named either by
 * {@code vaultURL} + {@code keyName} [+ {@code keyVersion}] or by {@code keyURI}, never both.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
        value = "has(self.keyURI) != (has(self.vaultURL) || has(self.keyName))",
        message = "name the key either by keyURI or by vaultURL and keyName, not both")
@ValidationRule(
        value = "has(self.keyURI) || (has(self.vaultURL) && has(self.keyName))",
        message = "vaultURL and keyName are required unless keyURI is set")
@ValidationRule(
        value = "!has(self.keyURI) || !has(self.keyVersion)",
        message = "with keyURI, put the version in the URI (azurekms://<vault-host>/<key>/<version>)")
public class IssuerSpec {

    private static final String UNIQUE = "self.all(u, self.exists_one(v, v == u))";

    @JsonPropertyDescription("The vault or Managed HSM, e.g. https://contoso.vault.azure.net or "
            + "https://contoso.managedhsm.azure.net.")
    @Pattern("^https://[^/]+/?$")
    private String vaultURL;

    @JsonPropertyDescription("The name of the CA key in the vault.")
    @Pattern("^[0-9A-Za-z-]{1,127}$")
    private String keyName;

    @JsonPropertyDescription("Pins a key version. Empty: the key's current version, so a rotation in the vault is "
            + "followed within one resync interval.")
    @Pattern("^[0-9A-Za-z]{0,64}$")
    private String keyVersion;

    @JsonPropertyDescription("The key as cosign names it, azurekms://<vault-host>/<key>[/<version>], instead of "
            + "vaultURL, keyName and keyVersion.")
    @Pattern("^azurekms://[^/]+/[0-9A-Za-z-]{1,127}(/[0-9A-Za-z]{1,64})?$")
    private String keyURI;

    @JsonPropertyDescription(
            "Where the CA certificate (chain) is read. Default: the secret named like the key in " + "the key's vault.")
    private CaCertificateSource caCertificate;

    @JsonPropertyDescription("RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384 or ES512. Default by key: RSA "
            + "below 3072 bits RS256, 3072 RS384, 4096 RS512; EC P-256 ES256, P-384 ES384, P-521 ES512.")
    @Pattern("^(|RS256|RS384|RS512|PS256|PS384|PS512|ES256|ES384|ES512)$")
    private String signatureAlgorithm;

    // The CRD checks the URLs with AuthorityUrls' own constants, so the API server and the operator agree.
    @JsonPropertyDescription("CRL distribution points written into every certificate this issuer signs (RFC 5280 "
            + "4.2.1.13): absolute http:// or https:// URLs, each serving the same DER CRL, tried in this order. "
            + "Empty: no CRL distribution points extension.")
    @Size(max = AuthorityUrls.MAX_URLS)
    @ValidationRule(value = UNIQUE, message = "lists a URL twice")
    private List<@Size(max = AuthorityUrls.MAX_URL_LENGTH) @Pattern(AuthorityUrls.URL_PATTERN) String>
            crlDistributionPoints;

    @JsonPropertyDescription("OCSP responders written into every certificate this issuer signs (authorityInfoAccess "
            + "id-ad-ocsp, RFC 5280 4.2.2.1): absolute http:// or https:// URLs, in this order. Empty: none.")
    @Size(max = AuthorityUrls.MAX_URLS)
    @ValidationRule(value = UNIQUE, message = "lists a URL twice")
    private List<@Size(max = AuthorityUrls.MAX_URL_LENGTH) @Pattern(AuthorityUrls.URL_PATTERN) String> ocspServers;

    @JsonPropertyDescription("Where the issuing CA's certificate can be downloaded, written into every certificate "
            + "this issuer signs (authorityInfoAccess id-ad-caIssuers, RFC 5280 4.2.2.1): absolute http:// or "
            + "https:// URLs, in this order. Empty: none.")
    @Size(max = AuthorityUrls.MAX_URLS)
    @ValidationRule(value = UNIQUE, message = "lists a URL twice")
    private List<@Size(max = AuthorityUrls.MAX_URL_LENGTH) @Pattern(AuthorityUrls.URL_PATTERN) String>
            issuingCertificateURLs;

    @JsonPropertyDescription("How to authenticate to the vault. Empty: the operator's own identity (for a namespaced "
            + "Issuer only when the operator runs with --issuer-ambient-credentials).")
    private IssuerAuth auth;

    @JsonPropertyDescription("What this issuer signs: CA certificates (refused unless allowCA), their path length, "
            + "names, maximum duration and usages. Empty: no CA certificates, anything else the profile allows.")
    private IssuerPolicy policy;

    @JsonPropertyDescription("Revocation: the operator keeps a CRL for this issuer in the vault, signs it with the CA "
            + "key and serves it over HTTP. Empty: no CRL; certificates cannot be revoked.")
    private IssuerRevocation revocation;

    public String getVaultURL() {
        return vaultURL;
    }

    public void setVaultURL(String vaultURL) {
        this.vaultURL = vaultURL;
    }

    public String getKeyName() {
        return keyName;
    }

    public void setKeyName(String keyName) {
        this.keyName = keyName;
    }

    public String getKeyVersion() {
        return keyVersion;
    }

    public void setKeyVersion(String keyVersion) {
        this.keyVersion = keyVersion;
    }

    public String getKeyURI() {
        return keyURI;
    }

    public void setKeyURI(String keyURI) {
        this.keyURI = keyURI;
    }

    public CaCertificateSource getCaCertificate() {
        return caCertificate;
    }

    public void setCaCertificate(CaCertificateSource caCertificate) {
        this.caCertificate = caCertificate;
    }

    public String getSignatureAlgorithm() {
        return signatureAlgorithm;
    }

    public void setSignatureAlgorithm(String signatureAlgorithm) {
        this.signatureAlgorithm = signatureAlgorithm;
    }

    public List<String> getCrlDistributionPoints() {
        return crlDistributionPoints;
    }

    public void setCrlDistributionPoints(List<String> crlDistributionPoints) {
        this.crlDistributionPoints = crlDistributionPoints;
    }

    public List<String> getOcspServers() {
        return ocspServers;
    }

    public void setOcspServers(List<String> ocspServers) {
        this.ocspServers = ocspServers;
    }

    public List<String> getIssuingCertificateURLs() {
        return issuingCertificateURLs;
    }

    public void setIssuingCertificateURLs(List<String> issuingCertificateURLs) {
        this.issuingCertificateURLs = issuingCertificateURLs;
    }

    public IssuerAuth getAuth() {
        return auth;
    }

    public void setAuth(IssuerAuth auth) {
        this.auth = auth;
    }

    public IssuerPolicy getPolicy() {
        return policy;
    }

    public void setPolicy(IssuerPolicy policy) {
        this.policy = policy;
    }

    public IssuerRevocation getRevocation() {
        return revocation;
    }

    public void setRevocation(IssuerRevocation revocation) {
        this.revocation = revocation;
    }
}
