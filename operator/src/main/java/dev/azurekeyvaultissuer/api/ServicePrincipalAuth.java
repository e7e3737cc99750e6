package dev.azurekeyvaultissuer.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;

/** An Entra ID application authenticating with a client secret or a client certificate kept in a Secret. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
        value = "has(self.clientSecretRef) != has(self.clientCertificateRef)",
        message = "set exactly one of clientSecretRef or clientCertificateRef")
public class ServicePrincipalAuth {

    @Required
    private String tenantID;

    @Required
    private String clientID;

    @JsonPropertyDescription("A key of a Secret holding the client secret.")
    private SecretKeySelector clientSecretRef;

    @JsonPropertyDescription("A key of a Secret holding the client certificate and its private key as PEM.")
    private SecretKeySelector clientCertificateRef;

    public String getTenantID() {
        return tenantID;
    }

    public void setTenantID(String tenantID) {
        this.tenantID = tenantID;
    }

    public String getClientID() {
        return clientID;
    }

    public void setClientID(String clientID) {
        this.clientID = clientID;
    }

    public SecretKeySelector getClientSecretRef() {
        return clientSecretRef;
    }

    public void setClientSecretRef(SecretKeySelector clientSecretRef) {
        this.clientSecretRef = clientSecretRef;
    }

    public SecretKeySelector getClientCertificateRef() {
        return clientCertificateRef;
    }

    public void setClientCertificateRef(SecretKeySelector clientCertificateRef) {
        this.clientCertificateRef = clientCertificateRef;
    }
}
