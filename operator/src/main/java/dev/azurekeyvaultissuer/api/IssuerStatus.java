package dev.azurekeyvaultissuer.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;

/** Whether the issuer can sign, with which key version, and the CA to trust. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class IssuerStatus {

    @JsonPropertyDescription("Ready tells whether the issuer can sign; its reason and message say what to fix.")
    private List<Condition> conditions = new ArrayList<>();

    @JsonPropertyDescription("The versioned id of the key that signs now.")
    private String keyID;

    @JsonPropertyDescription("The root CA certificate (PEM): the trust anchor to distribute.")
    private String ca;

    @JsonPropertyDescription("The CRL published for the issuer when spec.revocation is set.")
    private CrlStatus crl;

    public List<Condition> getConditions() {
        return conditions;
    }

    public void setConditions(List<Condition> conditions) {
        this.conditions = conditions;
    }

    public String getKeyID() {
        return keyID;
    }

    public void setKeyID(String keyID) {
        this.keyID = keyID;
    }

    public String getCa() {
        return ca;
    }

    public void setCa(String ca) {
        this.ca = ca;
    }

    public CrlStatus getCrl() {
        return crl;
    }

    public void setCrl(CrlStatus crl) {
        this.crl = crl;
    }
}
