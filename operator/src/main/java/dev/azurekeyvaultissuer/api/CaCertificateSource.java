package dev.azurekeyvaultissuer.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.ValidationRule;

/** Where the CA certificate or chain is stored: a vault secret (PEM) or a Key Vault certificate object. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
        value = "!(has(self.secretName) && has(self.certificateName))",
        message = "set secretName or certificateName, not both")
public class CaCertificateSource {

    @JsonPropertyDescription("A vault secret holding the CA certificate, or the chain from the CA up to the root, "
            + "as PEM. Default: the key's name.")
    @Pattern("^[0-9A-Za-z-]{1,127}$")
    private String secretName;

    @JsonPropertyDescription("A Key Vault certificate object whose certificate is the CA's.")
    @Pattern("^[0-9A-Za-z-]{1,127}$")
    private String certificateName;

    @JsonPropertyDescription("The vault holding the secret or certificate. Default: the key's vault. Required with "
            + "a Managed HSM, which stores keys only.")
    @Pattern("^https://[^/]+/?$")
    private String vaultURL;

    public String getSecretName() {
        return secretName;
    }

    public void setSecretName(String secretName) {
        this.secretName = secretName;
    }

    public String getCertificateName() {
        return certificateName;
    }

    public void setCertificateName(String certificateName) {
        this.certificateName = certificateName;
    }

    public String getVaultURL() {
        return vaultURL;
    }

    public void setVaultURL(String vaultURL) {
        this.vaultURL = vaultURL;
    }
}
