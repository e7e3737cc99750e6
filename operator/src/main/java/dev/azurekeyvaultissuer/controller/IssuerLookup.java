package dev.azurekeyvaultissuer.controller;

import dev.azurekeyvaultissuer.api.ClusterIssuer;
import dev.azurekeyvaultissuer.api.Issuer;
import dev.azurekeyvaultissuer.issuer.IssuerAvailability;
import dev.azurekeyvaultissuer.issuer.IssuerId;
import dev.azurekeyvaultissuer.issuer.SignerRegistry;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.inbound.SimpleInboundEventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The issuers a request reconciler needs, for either request kind: whether the issuer a request names can sign (the
 * object in the informer's cache, and its recorded check), and the event sources that wake the requests waiting for
 * an issuer, found through an index of the request cache. Issuer events wake them; so does the issuer's first Ready
 * check in this process ({@link SignerRegistry#onBecameReady}), which writes no new status when the issuer was Ready
 * already (after a restart or a leader change), so no issuer event would follow.
 *
 * @param <P> the request kind
 */
final class IssuerLookup<P extends HasMetadata> {

    private static final Logger LOG = LoggerFactory.getLogger(IssuerLookup.class);
    private static final String BY_ISSUER = "byIssuer";

    private final SignerRegistry registry;
    private final Class<P> requestType;
    private final Function<P, Optional<IssuerId>> issuerOf;
    private final String eventSourcePrefix;
    private InformerEventSource<Issuer, P> issuers;
    private InformerEventSource<ClusterIssuer, P> clusterIssuers;

    /**
     * @param issuerOf the issuer a request names, empty for a request that is not ours
     * @param eventSourcePrefix prefixes the event sources' names (empty: JOSDK's default names)
     */
    IssuerLookup(
            SignerRegistry registry,
            Class<P> requestType,
            Function<P, Optional<IssuerId>> issuerOf,
            String eventSourcePrefix) {
        this.registry = registry;
        this.requestType = requestType;
        this.issuerOf = issuerOf;
        this.eventSourcePrefix = eventSourcePrefix;
    }

    List<EventSource<?, P>> prepareEventSources(EventSourceContext<P> ctx) {
        ctx.getPrimaryCache()
                .addIndexer(
                        BY_ISSUER,
                        request -> issuerOf.apply(request)
                                .map(id -> List.of(indexKey(id)))
                                .orElse(List.of()));
        var issuerConfig = InformerEventSourceConfiguration.from(Issuer.class, requestType)
                .withSecondaryToPrimaryMapper((Issuer issuer) -> waitingFor(
                        ctx,
                        IssuerId.issuer(
                                issuer.getMetadata().getNamespace(),
                                issuer.getMetadata().getName())));
        var clusterIssuerConfig = InformerEventSourceConfiguration.from(ClusterIssuer.class, requestType)
                .withSecondaryToPrimaryMapper((ClusterIssuer issuer) -> waitingFor(
                        ctx, IssuerId.clusterIssuer(issuer.getMetadata().getName())));
        if (!eventSourcePrefix.isEmpty()) {
            issuerConfig.withName(eventSourcePrefix + "issuers");
            clusterIssuerConfig.withName(eventSourcePrefix + "clusterissuers");
        }
        issuers = new InformerEventSource<>(issuerConfig.build(), ctx);
        clusterIssuers = new InformerEventSource<>(clusterIssuerConfig.build(), ctx);
        SimpleInboundEventSource<P> issuerReady = new SimpleInboundEventSource<>(eventSourcePrefix + "issuerReady");
        registry.onBecameReady(id -> waitingFor(ctx, id).forEach(request -> {
            try {
                issuerReady.propagateEvent(request);
            } catch (RuntimeException e) {
                // Not started (yet, or any more): the request's own retry still comes.
                LOG.debug("could not wake {} {} for issuer {}", requestType.getSimpleName(), request, id, e);
            }
        }));
        return List.of(issuers, clusterIssuers, issuerReady);
    }

    private static <P extends HasMetadata> Set<ResourceID> waitingFor(EventSourceContext<P> ctx, IssuerId issuer) {
        return ctx.getPrimaryCache().byIndex(BY_ISSUER, indexKey(issuer)).stream()
                .map(ResourceID::fromResource)
                .collect(Collectors.toSet());
    }

    private static String indexKey(IssuerId id) {
        return id.kind() + "/" + id.namespace() + "/" + id.name();
    }

    /** Whether the issuer can sign now, once {@link #prepareEventSources} has run. */
    IssuerAvailability availability(IssuerId id) {
        return availability(
                registry,
                id,
                id.isClusterIssuer()
                        ? clusterIssuers.get(new ResourceID(id.name()))
                        : issuers.get(new ResourceID(id.name(), id.namespace())));
    }

    /**
     * @param cached the issuer as the informer has it, empty when it does not exist; its UID and generation must
     *     match what was checked, so a re-created issuer never borrows its predecessor's check
     */
    private static IssuerAvailability availability(
            SignerRegistry registry, IssuerId id, Optional<? extends HasMetadata> cached) {
        if (cached.isEmpty()) {
            // What was checked for it is dropped by the issuer reconciler on the delete event, not here: another
            // informer's cache may simply not have seen a new issuer yet.
            return new IssuerAvailability.Missing(id.toString());
        }
        Long generation = cached.get().getMetadata().getGeneration();
        return registry.availability(id, cached.get().getMetadata().getUid(), generation == null ? 0 : generation);
    }
}
