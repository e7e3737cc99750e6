package dev.azurekeyvaultissuer.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;

/** A user-assigned managed identity, chosen by its client ID. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ManagedIdentityAuth {

    @Required
    @JsonPropertyDescription("The managed identity's client ID.")
    private String clientID;

    public String getClientID() {
        return clientID;
    }

    public void setClientID(String clientID) {
        this.clientID = clientID;
    }
}
