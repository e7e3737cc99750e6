package dev.azurekeyvaultissuer.controller;

import dev.azurekeyvaultissuer.api.ClusterIssuer;
import dev.azurekeyvaultissuer.issuer.IssuerId;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;

/**
 * Checks ClusterIssuers. Their Secrets are read in the cluster resource namespace, and they may always use the
 * operator's own identity, as with cert-manager's ClusterIssuers.
 */
@ControllerConfiguration(name = "clusterissuer", triggerReconcilerOnAllEvents = true)
public class ClusterIssuerReconciler implements Reconciler<ClusterIssuer> {

    private final IssuerReconciliation reconciliation;
    private final String clusterResourceNamespace;

    ClusterIssuerReconciler(IssuerReconciliation reconciliation, String clusterResourceNamespace) {
        this.reconciliation = reconciliation;
        this.clusterResourceNamespace = clusterResourceNamespace;
    }

    @Override
    public UpdateControl<ClusterIssuer> reconcile(ClusterIssuer issuer, Context<ClusterIssuer> context) {
        IssuerId id = IssuerId.clusterIssuer(issuer.getMetadata().getName());
        if (context.isPrimaryResourceDeleted()) {
            reconciliation.deleted(issuer, id, clusterResourceNamespace);
            return UpdateControl.noUpdate();
        }
        return reconciliation.reconcile(issuer, id, clusterResourceNamespace);
    }
}
