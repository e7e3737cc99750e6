package dev.azurekeyvaultissuer.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** The CRL the operator publishes for the issuer. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class CrlStatus {

    @JsonPropertyDescription("The CRL number of the current list (decimal).")
    private String number;

    @JsonPropertyDescription("When the current list was signed (RFC 3339).")
    private String thisUpdate;

    @JsonPropertyDescription("When the current list expires (RFC 3339); it is signed again before.")
    private String nextUpdate;

    @JsonPropertyDescription("How many certificates the list revokes.")
    private Integer revokedCertificates;

    @JsonPropertyDescription(
            "The path the operator's CRL server serves the list at, e.g. " + "/crl/issuers/<namespace>/<name>.crl.")
    private String path;

    @JsonPropertyDescription(
            "The path of the issuer's OCSP responder on the same server, e.g. " + "/ocsp/issuers/<namespace>/<name>.")
    private String ocspPath;

    public String getNumber() {
        return number;
    }

    public void setNumber(String number) {
        this.number = number;
    }

    public String getThisUpdate() {
        return thisUpdate;
    }

    public void setThisUpdate(String thisUpdate) {
        this.thisUpdate = thisUpdate;
    }

    public String getNextUpdate() {
        return nextUpdate;
    }

    public void setNextUpdate(String nextUpdate) {
        this.nextUpdate = nextUpdate;
    }

    public Integer getRevokedCertificates() {
        return revokedCertificates;
    }

    public void setRevokedCertificates(Integer revokedCertificates) {
        this.revokedCertificates = revokedCertificates;
    }

    public String getPath() {
        return path;
    }

    public void setPath(String path) {
        this.path = path;
    }

    public String getOcspPath() {
        return ocspPath;
    }

    public void setOcspPath(String ocspPath) {
        this.ocspPath = ocspPath;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CrlStatus other
                && java.util.Objects.equals(number, other.number)
                && java.util.Objects.equals(thisUpdate, other.thisUpdate)
                && java.util.Objects.equals(nextUpdate, other.nextUpdate)
                && java.util.Objects.equals(revokedCertificates, other.revokedCertificates)
                && java.util.Objects.equals(path, other.path)
                && java.util.Objects.equals(ocspPath, other.ocspPath);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(number, thisUpdate, nextUpdate, revokedCertificates, path, ocspPath);
    }
}
