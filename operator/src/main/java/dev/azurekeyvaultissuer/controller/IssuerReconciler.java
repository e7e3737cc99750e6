package dev.azurekeyvaultissuer.controller;

import dev.azurekeyvaultissuer.api.Issuer;
import dev.azurekeyvaultissuer.issuer.IssuerId;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;

/** Checks namespaced Issuers. Their Secrets are read in their own namespace. */
@ControllerConfiguration(name = "issuer")
public class IssuerReconciler implements Reconciler<Issuer> {

    private final IssuerReconciliation reconciliation;
    private final boolean ambientAllowed;

    IssuerReconciler(IssuerReconciliation reconciliation, boolean ambientAllowed) {
        this.reconciliation = reconciliation;
        this.ambientAllowed = ambientAllowed;
    }

    @Override
    public UpdateControl<Issuer> reconcile(Issuer issuer, Context<Issuer> context) {
        String namespace = issuer.getMetadata().getNamespace();
        return reconciliation.reconcile(issuer, IssuerId.issuer(namespace, issuer.getMetadata().getName()),
                namespace, ambientAllowed);
    }
}
