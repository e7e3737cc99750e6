package dev.azurekeyvaultissuer.controller;

import dev.azurekeyvaultissuer.api.Issuer;
import dev.azurekeyvaultissuer.issuer.IssuerId;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;

/**
 * Checks namespaced Issuers. Their Secrets are read in their own namespace; which ambient identities and vault hosts
 * they may use is the operator's {@link dev.azurekeyvaultissuer.issuer.IssuerAdmission}.
 */
@ControllerConfiguration(name = "issuer", triggerReconcilerOnAllEvents = true)
public class IssuerReconciler implements Reconciler<Issuer> {

    private final IssuerReconciliation reconciliation;

    IssuerReconciler(IssuerReconciliation reconciliation) {
        this.reconciliation = reconciliation;
    }

    /** Called on deletion too (no finalizer needed), so that a deleted Issuer leaves nothing behind. */
    @Override
    public UpdateControl<Issuer> reconcile(Issuer issuer, Context<Issuer> context) {
        String namespace = issuer.getMetadata().getNamespace();
        IssuerId id = IssuerId.issuer(namespace, issuer.getMetadata().getName());
        if (context.isPrimaryResourceDeleted()) {
            reconciliation.deleted(issuer, id, namespace);
            return UpdateControl.noUpdate();
        }
        return reconciliation.reconcile(issuer, id, namespace);
    }
}
