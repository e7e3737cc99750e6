package dev.azurekeyvaultissuer.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import java.util.List;

/**
 * What an issuer signs: whether CA certificates at all and how deep, which names, how long and for which usages.
 * Without a policy an issuer signs no CA certificates and leaves the rest to the certificate profile.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class IssuerPolicy {

    @JsonPropertyDescription("Whether requests with isCA: true are signed. Default false: they fail.")
    private Boolean allowCA;

    @JsonPropertyDescription("The largest pathLenConstraint an issued CA certificate gets (also bounded by the "
            + "issuing CA's pathLenConstraint less one). A CA request that asks for none gets this; default 0.")
    @Min(0)
    @Max(16)
    private Integer maxPathLen;

    @JsonPropertyDescription("DNS names that may be requested: exact names (web.example.com) or wildcard patterns "
            + "(*.shop.example.com: any name below shop.example.com). Checked for DNS SANs and a commonName that "
            + "is a DNS name. Empty: any.")
    @Size(max = 256)
    private List<String> allowedDNSNames;

    @JsonPropertyDescription("Prefixes URI SANs must start with, e.g. spiffe://cluster.local/ns/shop/. Empty: any.")
    @Size(max = 256)
    private List<String> allowedURIPrefixes;

    @JsonPropertyDescription("CIDR ranges IP address SANs must lie in, e.g. 10.0.0.0/8 or fd00::/8. Empty: any.")
    @Size(max = 256)
    private List<String> allowedIPRanges;

    @JsonPropertyDescription("The longest duration a request may ask for, in hours, minutes and seconds as "
            + "cert-manager writes durations, e.g. 2160h. A request without a duration asks for 90 days (2160h).")
    @Pattern("^([0-9]+(h|m|s))+$")
    private String maxDuration;

    @JsonPropertyDescription("The usages requests may ask for, spelled as cert-manager spells them (e.g. digital "
            + "signature, key encipherment, server auth). A request without usages asks for digital signature and "
            + "key encipherment. Empty: any.")
    @Size(max = 32)
    private List<String> allowedUsages;

    public Boolean getAllowCA() {
        return allowCA;
    }

    public void setAllowCA(Boolean allowCA) {
        this.allowCA = allowCA;
    }

    public Integer getMaxPathLen() {
        return maxPathLen;
    }

    public void setMaxPathLen(Integer maxPathLen) {
        this.maxPathLen = maxPathLen;
    }

    public List<String> getAllowedDNSNames() {
        return allowedDNSNames;
    }

    public void setAllowedDNSNames(List<String> allowedDNSNames) {
        this.allowedDNSNames = allowedDNSNames;
    }

    public List<String> getAllowedURIPrefixes() {
        return allowedURIPrefixes;
    }

    public void setAllowedURIPrefixes(List<String> allowedURIPrefixes) {
        this.allowedURIPrefixes = allowedURIPrefixes;
    }

    public List<String> getAllowedIPRanges() {
        return allowedIPRanges;
    }

    public void setAllowedIPRanges(List<String> allowedIPRanges) {
        this.allowedIPRanges = allowedIPRanges;
    }

    public String getMaxDuration() {
        return maxDuration;
    }

    public void setMaxDuration(String maxDuration) {
        this.maxDuration = maxDuration;
    }

    public List<String> getAllowedUsages() {
        return allowedUsages;
    }

    public void setAllowedUsages(List<String> allowedUsages) {
        this.allowedUsages = allowedUsages;
    }
}
