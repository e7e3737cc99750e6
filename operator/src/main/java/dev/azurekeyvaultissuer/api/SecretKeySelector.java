package dev.azurekeyvaultissuer.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;

/** A key of a Secret in the issuer's namespace (ClusterIssuer: the cluster resource namespace). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class SecretKeySelector {

    @Required
    private String name;

    @Required
    @JsonPropertyDescription("The key within the Secret's data.")
    private String key;

    public SecretKeySelector() {}

    public SecretKeySelector(String name, String key) {
        this.name = name;
        this.key = key;
    }

    public String getName() {
        return name;
    }

    public void setName(String name) {
        this.name = name;
    }

    public String getKey() {
        return key;
    }

    public void setKey(String key) {
        this.key = key;
    }
}
