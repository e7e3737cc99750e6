package dev.azurekeyvaultissuer.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.ValidationRule;

/** At most one way to authenticate; none means the operator's own (ambient) identity. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
        value = "(has(self.workloadIdentity) ? 1 : 0) + (has(self.managedIdentity) ? 1 : 0)"
                + " + (has(self.servicePrincipal) ? 1 : 0) <= 1",
        message = "choose one of workloadIdentity, managedIdentity or servicePrincipal")
public class IssuerAuth {

    @JsonPropertyDescription("Exchange a token of a ServiceAccount for an Entra ID token (federated credential).")
    private WorkloadIdentityAuth workloadIdentity;

    @JsonPropertyDescription("A user-assigned managed identity of the node or pod, by client ID.")
    private ManagedIdentityAuth managedIdentity;

    @JsonPropertyDescription("An Entra ID application with a client secret or certificate held in a Secret.")
    private ServicePrincipalAuth servicePrincipal;

    public WorkloadIdentityAuth getWorkloadIdentity() {
        return workloadIdentity;
    }

    public void setWorkloadIdentity(WorkloadIdentityAuth workloadIdentity) {
        this.workloadIdentity = workloadIdentity;
    }

    public ManagedIdentityAuth getManagedIdentity() {
        return managedIdentity;
    }

    public void setManagedIdentity(ManagedIdentityAuth managedIdentity) {
        this.managedIdentity = managedIdentity;
    }

    public ServicePrincipalAuth getServicePrincipal() {
        return servicePrincipal;
    }

    public void setServicePrincipal(ServicePrincipalAuth servicePrincipal) {
        this.servicePrincipal = servicePrincipal;
    }
}
