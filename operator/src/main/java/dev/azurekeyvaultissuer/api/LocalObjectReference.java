package dev.azurekeyvaultissuer.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.Required;

/** An object in the issuer's namespace (ClusterIssuer: the cluster resource namespace), by name. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class LocalObjectReference {

    @Required
    private String name;

    public LocalObjectReference() {}

    public LocalObjectReference(String name) {
        this.name = name;
    }

    public String getName() {
        return name;
    }

    public void setName(String name) {
        this.name = name;
    }
}
