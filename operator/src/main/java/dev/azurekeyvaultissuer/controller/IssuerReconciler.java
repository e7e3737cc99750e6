package dev.azurekeyvaultissuer.controller;

import dev.azurekeyvaultissuer.api.Issuer;
import dev.azurekeyvaultissuer.issuer.IssuerId;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import java.util.List;

/**
 * Checks namespaced Issuers. Their Secrets are read in their own namespace; which ambient identities and vault hosts
 * they may use is the operator's {@link dev.azurekeyvaultissuer.issuer.IssuerAdmission}.
 */
@ControllerConfiguration(name = "issuer", triggerReconcilerOnAllEvents = true)
public class IssuerReconciler implements Reconciler<Issuer> {

    private final IssuerReconciliation reconciliation;

    private final IssuerRechecks rechecks;

    IssuerReconciler(IssuerReconciliation reconciliation) {
        this(reconciliation, new IssuerRechecks());
    }

    IssuerReconciler(IssuerReconciliation reconciliation, IssuerRechecks rechecks) {
        this.reconciliation = reconciliation;
        this.rechecks = rechecks;
    }

    /** Rechecks asked for by the request reconciler, e.g. after the vault refused to sign for an issuer. */
    @Override
    @SuppressWarnings({"unchecked", "rawtypes"}) // JOSDK's timer source is declared over HasMetadata
    public List<EventSource<?, Issuer>> prepareEventSources(EventSourceContext<Issuer> context) {
        return List.of((EventSource) rechecks.issuers());
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
