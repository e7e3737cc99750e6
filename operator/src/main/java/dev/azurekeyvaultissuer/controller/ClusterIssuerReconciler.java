package dev.azurekeyvaultissuer.controller;

import dev.azurekeyvaultissuer.api.ClusterIssuer;
import dev.azurekeyvaultissuer.issuer.IssuerId;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import java.util.List;

/**
 * Checks ClusterIssuers. Their Secrets are read in the cluster resource namespace, and they may always use the
 * operator's own identity, as with cert-manager's ClusterIssuers.
 */
@ControllerConfiguration(name = "clusterissuer", triggerReconcilerOnAllEvents = true)
public class ClusterIssuerReconciler implements Reconciler<ClusterIssuer> {

    private final IssuerReconciliation reconciliation;
    private final String clusterResourceNamespace;

    private final IssuerRechecks rechecks;

    ClusterIssuerReconciler(IssuerReconciliation reconciliation, String clusterResourceNamespace) {
        this(reconciliation, clusterResourceNamespace, new IssuerRechecks());
    }

    ClusterIssuerReconciler(
            IssuerReconciliation reconciliation, String clusterResourceNamespace, IssuerRechecks rechecks) {
        this.reconciliation = reconciliation;
        this.clusterResourceNamespace = clusterResourceNamespace;
        this.rechecks = rechecks;
    }

    /** Rechecks asked for by the request reconciler, e.g. after the vault refused to sign for a ClusterIssuer. */
    @Override
    @SuppressWarnings({"unchecked", "rawtypes"}) // JOSDK's timer source is declared over HasMetadata
    public List<EventSource<?, ClusterIssuer>> prepareEventSources(EventSourceContext<ClusterIssuer> context) {
        return List.of((EventSource) rechecks.clusterIssuers());
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
