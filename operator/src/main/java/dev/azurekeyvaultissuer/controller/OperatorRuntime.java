package dev.azurekeyvaultissuer.controller;

import dev.azurekeyvaultissuer.config.OperatorConfig;
import dev.azurekeyvaultissuer.issuer.IssuerAdmission;
import dev.azurekeyvaultissuer.issuer.RequestDecisions;
import dev.azurekeyvaultissuer.issuer.RetryPolicy;
import dev.azurekeyvaultissuer.issuer.SignerRegistry;
import dev.azurekeyvaultissuer.keyvault.VaultConnector;
import dev.azurekeyvaultissuer.keyvault.VaultGuard;
import dev.azurekeyvaultissuer.keyvault.VaultHosts;
import dev.azurekeyvaultissuer.keyvault.VaultRateLimiter;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.javaoperatorsdk.operator.monitoring.micrometer.MicrometerMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wires the three reconcilers into one JOSDK operator. Runs in-process against any kubeconfig, which is how the
 * integration tests drive it.
 */
public final class OperatorRuntime implements AutoCloseable {

    static final String LEASE_NAME = "azure-keyvault-issuer-leader";

    private static final Logger LOG = LoggerFactory.getLogger(OperatorRuntime.class);

    private final Operator operator;
    private final AtomicBoolean closing;
    private final SignerRegistry registry = new SignerRegistry();

    private OperatorRuntime(Operator operator, AtomicBoolean closing) {
        this.operator = operator;
        this.closing = closing;
    }

    /**
     * A replica that loses its Lease must stop signing at once, so it exits and restarts as a follower. JOSDK would
     * call System.exit itself, also while we stop on SIGTERM, which deadlocks inside the shutdown hook: exit only
     * when the loss is not our own shutdown.
     */
    private static LeaderElectionConfiguration leaderElection(String namespace, AtomicBoolean closing) {
        LeaderCallbacks callbacks = new LeaderCallbacks(
                () -> LOG.info("leader election: leading"),
                () -> {
                    if (!closing.get()) {
                        LOG.error("leader election: lost the Lease, exiting so that only the leader signs");
                        System.exit(1);
                    }
                },
                leader -> LOG.info("leader election: leader is {}", leader));
        return new LeaderElectionConfiguration(LEASE_NAME, namespace, Duration.ofSeconds(15), Duration.ofSeconds(10),
                Duration.ofSeconds(2), null, callbacks, false);
    }

    public static OperatorRuntime create(KubernetesClient client, OperatorConfig config, VaultConnector connector,
            Clock clock) {
        return create(client, config, connector, clock, new SimpleMeterRegistry());
    }

    public static OperatorRuntime create(KubernetesClient client, OperatorConfig config, VaultConnector connector,
            Clock clock, MeterRegistry meterRegistry) {
        AtomicBoolean closing = new AtomicBoolean();
        Operator operator = new Operator(o -> {
            o.withKubernetesClient(client)
                    .withMetrics(MicrometerMetrics.withoutPerResourceMetrics(meterRegistry))
                    .withConcurrentReconciliationThreads(config.concurrentReconciliations())
                    .withCloseClientOnStop(false)
                    .withStopOnInformerErrorDuringStartup(true)
                    .withCacheSyncTimeout(Duration.ofMinutes(2));
            if (config.leaderElection()) {
                o.withLeaderElectionConfiguration(leaderElection(config.leaderElectionNamespace(), closing));
            }
        });
        OperatorRuntime runtime = new OperatorRuntime(operator, closing);
        EventRecorder events = new EventRecorder(client, clock);
        IssuanceMetrics metrics = new IssuanceMetrics(meterRegistry);
        IssuerReconciliation reconciliation = new IssuerReconciliation(new CredentialResolver(client),
                new VaultSessions(connector, guard(config)), runtime.registry, events, metrics, clock,
                config.resyncInterval(),
                admission(config));
        IssuerRechecks rechecks = new IssuerRechecks();
        operator.register(new IssuerReconciler(reconciliation, rechecks));
        operator.register(new ClusterIssuerReconciler(reconciliation, config.clusterResourceNamespace(), rechecks));
        operator.register(new CertificateRequestReconciler(runtime.registry,
                new RequestDecisions(RetryPolicy.withMaxRetryDuration(config.maxRetryDuration())),
                new RequestStatusWriter(client, clock), events, metrics, clock, rechecks));
        return runtime;
    }

    /** The per-tenant bulkhead and the fair per-vault rate limit every issuer's vault calls go through. */
    static VaultGuard guard(OperatorConfig config) {
        return new VaultGuard(Optional.of(new VaultRateLimiter(VaultRateLimiter.Limits.defaults()
                .withPermitsPerWindow(config.vaultSignsPer10Seconds()))), config.vaultCallsPerTenant());
    }

    static IssuerAdmission admission(OperatorConfig config) {
        return new IssuerAdmission(config.issuerAmbientCredentials(), config.issuerManagedIdentities(),
                new VaultHosts(config.allowedVaultHosts()));
    }

    public void start() {
        operator.start();
    }

    /**
     * True once every informer is healthy. A standby replica under leader election is ready too: otherwise it never
     * would be, and rollouts and the PodDisruptionBudget would count the standby as unavailable.
     */
    public boolean isReady() {
        return operator.getRuntimeInfo().allEventSourcesAreHealthy();
    }

    public SignerRegistry registry() {
        return registry;
    }

    @Override
    public void close() {
        closing.set(true);
        operator.stop();
    }
}
