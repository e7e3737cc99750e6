package dev.azurekeyvaultissuer.controller;

import dev.azurekeyvaultissuer.api.ClusterIssuer;
import dev.azurekeyvaultissuer.api.Issuer;
import dev.azurekeyvaultissuer.issuer.IssuerId;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.timer.TimerEventSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lets the request reconciler have an issuer reconciled now, e.g. after the vault refused to sign for it, so that
 * the issuer reconciler writes what the registry now says. One JOSDK timer event source per issuer kind, registered
 * by that kind's reconciler.
 */
final class IssuerRechecks {

    private static final Logger LOG = LoggerFactory.getLogger(IssuerRechecks.class);

    private final TimerEventSource<Issuer> issuers = new TimerEventSource<>("issuer-rechecks", false);
    private final TimerEventSource<ClusterIssuer> clusterIssuers =
            new TimerEventSource<>("clusterissuer-rechecks", false);

    TimerEventSource<Issuer> issuers() {
        return issuers;
    }

    TimerEventSource<ClusterIssuer> clusterIssuers() {
        return clusterIssuers;
    }

    /** Reconciles the issuer as soon as a thread is free; a no-op while the operator does not run its sources. */
    void now(IssuerId id) {
        TimerEventSource<?> source = id.isClusterIssuer() ? clusterIssuers : issuers;
        if (!source.isRunning()) {
            LOG.debug("issuer recheck skipped, event source not running issuer=\"{}\"", id);
            return;
        }
        source.scheduleOnce(
                id.isClusterIssuer() ? new ResourceID(id.name()) : new ResourceID(id.name(), id.namespace()), 0);
    }
}
