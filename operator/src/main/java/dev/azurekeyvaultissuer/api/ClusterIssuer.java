package dev.azurekeyvaultissuer.api;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Categories;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Singular;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * A cluster-scoped issuer: signs CertificateRequests of any namespace. Its Secrets and ServiceAccounts live in the
 * operator's cluster resource namespace.
 */
@Group(ApiGroup.NAME)
@Version(ApiGroup.VERSION)
@Kind("ClusterIssuer")
@Plural("clusterissuers")
@Singular("clusterissuer")
@ShortNames("akvclusterissuer")
@Categories("cert-manager")
@AdditionalPrinterColumn(name = "Ready", jsonPath = ".status.conditions[?(@.type==\"Ready\")].status")
@AdditionalPrinterColumn(name = "Reason", jsonPath = ".status.conditions[?(@.type==\"Ready\")].reason")
@AdditionalPrinterColumn(name = "KeyID", jsonPath = ".status.keyID", priority = 1)
@AdditionalPrinterColumn(
        name = "Age",
        jsonPath = ".metadata.creationTimestamp",
        type = AdditionalPrinterColumn.Type.DATE)
public class ClusterIssuer extends CustomResource<IssuerSpec, IssuerStatus> {

    @Override
    protected IssuerStatus initStatus() {
        return new IssuerStatus();
    }
}
