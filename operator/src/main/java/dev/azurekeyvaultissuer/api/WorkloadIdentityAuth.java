package dev.azurekeyvaultissuer.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;

/** Workload identity for one issuer: a ServiceAccount whose tokens an Entra ID federated credential trusts. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class WorkloadIdentityAuth {

    @Required
    @JsonPropertyDescription(
            "The ServiceAccount, in the Issuer's namespace (ClusterIssuer: the cluster resource " + "namespace).")
    private LocalObjectReference serviceAccountRef;

    @Required
    @JsonPropertyDescription("The client ID of the Entra ID application or managed identity.")
    private String clientID;

    @Required
    @JsonPropertyDescription("The Entra ID tenant.")
    private String tenantID;

    public LocalObjectReference getServiceAccountRef() {
        return serviceAccountRef;
    }

    public void setServiceAccountRef(LocalObjectReference serviceAccountRef) {
        this.serviceAccountRef = serviceAccountRef;
    }

    public String getClientID() {
        return clientID;
    }

    public void setClientID(String clientID) {
        this.clientID = clientID;
    }

    public String getTenantID() {
        return tenantID;
    }

    public void setTenantID(String tenantID) {
        this.tenantID = tenantID;
    }
}
