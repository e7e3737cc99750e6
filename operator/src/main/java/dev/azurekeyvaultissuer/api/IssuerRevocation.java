package dev.azurekeyvaultissuer.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;

/**
 * The issuer's certificate revocation list: where the operator keeps it in the vault and how long each signed list is
 * valid. Its presence turns revocation on; the operator then also needs to list, read and set that secret.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class IssuerRevocation {

    @JsonPropertyDescription("The vault secret that holds the current CRL (PEM), which is also the revocation state: "
            + "every revocation is in it. Kept in the vault of the CA certificate. Default: <keyName>-crl.")
    @Pattern("^[0-9A-Za-z-]{1,127}$")
    private String secretName;

    @JsonPropertyDescription("How long a signed CRL is valid (its nextUpdate is thisUpdate plus this), in hours, "
            + "minutes and seconds, e.g. 24h. Default 24h; at least 1m, at most 8760h.")
    @Pattern("^([0-9]+(h|m|s))+$")
    private String crlValidity;

    @JsonPropertyDescription("How long before nextUpdate the CRL is signed again, e.g. 8h. Default: a third of "
            + "crlValidity. Less than crlValidity.")
    @Pattern("^([0-9]+(h|m|s))+$")
    private String crlRefreshBefore;

    public String getSecretName() {
        return secretName;
    }

    public void setSecretName(String secretName) {
        this.secretName = secretName;
    }

    public String getCrlValidity() {
        return crlValidity;
    }

    public void setCrlValidity(String crlValidity) {
        this.crlValidity = crlValidity;
    }

    public String getCrlRefreshBefore() {
        return crlRefreshBefore;
    }

    public void setCrlRefreshBefore(String crlRefreshBefore) {
        this.crlRefreshBefore = crlRefreshBefore;
    }
}
