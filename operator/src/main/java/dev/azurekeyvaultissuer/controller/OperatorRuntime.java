package dev.azurekeyvaultissuer.controller;

import dev.azurekeyvaultissuer.api.ClusterIssuer;
import dev.azurekeyvaultissuer.api.Issuer;
import dev.azurekeyvaultissuer.config.OperatorConfig;
import dev.azurekeyvaultissuer.issuer.IssuerAdmission;
import dev.azurekeyvaultissuer.issuer.IssuerId;
import dev.azurekeyvaultissuer.issuer.RequestDecisions;
import dev.azurekeyvaultissuer.issuer.RetryPolicy;
import dev.azurekeyvaultissuer.issuer.SignerRegistry;
import dev.azurekeyvaultissuer.keyvault.VaultConnector;
import dev.azurekeyvaultissuer.keyvault.VaultGuard;
import dev.azurekeyvaultissuer.keyvault.VaultHosts;
import dev.azurekeyvaultissuer.keyvault.VaultRateLimiter;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.javaoperatorsdk.operator.monitoring.micrometer.MicrometerMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wires the three reconcilers into one JOSDK operator. Runs in-process against any kubeconfig, which is how the
 * integration tests drive it.
 */
public final class OperatorRuntime implements AutoCloseable {

    static final String LEASE_NAME = "azure-keyvault-issuer-leader";
    /**
     * How often a standby tries to take the Lease, and the leader renews it. fabric8 waits this plus up to 1.2 times
     * it between tries, so a Lease released on shutdown is taken within 0.8-1.8 s.
     */
    static final Duration RETRY_PERIOD = Duration.ofMillis(800);
    /**
     * CertificateRequests are listed in pages of this many when the informer starts or relists: one list of every
     * request in a large cluster is tens of megabytes of JSON parsed at once, and the heap it makes the JVM commit
     * stays resident long after.
     */
    static final long LIST_PAGE = 250;

    private static final Logger LOG = LoggerFactory.getLogger(OperatorRuntime.class);

    private final Operator operator;
    private final AtomicBoolean closing;
    private final SignerRegistry registry = new SignerRegistry();
    private final KubernetesClient client;
    private final Optional<LeaderState> leader;
    private Runnable standbyChecks = () -> {};
    private final AtomicBoolean standbyPrepared = new AtomicBoolean();
    private Duration standbyInterval = Duration.ofMinutes(5);
    private Thread standbyThread;
    private final RevocationPublications revocationPublications = new RevocationPublications();
    /** Starts batched revocations when their delay is over. */
    private final ScheduledExecutorService crlTimer = Executors.newSingleThreadScheduledExecutor(daemon("crl-timer"));
    /** Signs and stores CRLs for revocations; each tenant uses at most one of them at a time. */
    private final ExecutorService crlWorkers = Executors.newFixedThreadPool(2, daemon("crl-worker"));

    /** This replica's name in the Lease, whether it leads, and where the Lease is. */
    private record LeaderState(String identity, String namespace, AtomicBoolean leading) {}

    private OperatorRuntime(
            Operator operator, AtomicBoolean closing, KubernetesClient client, Optional<LeaderState> leader) {
        this.operator = operator;
        this.closing = closing;
        this.client = client;
        this.leader = leader;
    }

    /**
     * A replica that loses its Lease must stop signing at once, so it exits and restarts as a follower. JOSDK would
     * call System.exit itself, also while we stop on SIGTERM, which deadlocks inside the shutdown hook: exit only
     * when the loss is not our own shutdown.
     */
    private static LeaderElectionConfiguration leaderElection(LeaderState state, AtomicBoolean closing) {
        LeaderCallbacks callbacks = new LeaderCallbacks(
                () -> {
                    state.leading().set(true);
                    LOG.info("leader election: leading");
                },
                () -> {
                    if (!closing.get()) {
                        LOG.error("leader election: lost the Lease, exiting so that only the leader signs");
                        System.exit(1);
                    }
                },
                leader -> LOG.info("leader election: leader is {}", leader));
        return new LeaderElectionConfiguration(
                LEASE_NAME,
                state.namespace(),
                Duration.ofSeconds(15),
                Duration.ofSeconds(10),
                RETRY_PERIOD,
                state.identity(),
                callbacks,
                false);
    }

    /** The pod's name (HOSTNAME in a pod) plus a random part, as client-go does: unique per process. */
    private static String leaderIdentity() {
        String host = System.getenv("HOSTNAME");
        return (host == null || host.isBlank() ? "azure-keyvault-issuer" : host) + "_" + UUID.randomUUID();
    }

    public static OperatorRuntime create(
            KubernetesClient client, OperatorConfig config, VaultConnector connector, Clock clock) {
        return create(client, config, connector, clock, new SimpleMeterRegistry());
    }

    public static OperatorRuntime create(
            KubernetesClient client,
            OperatorConfig config,
            VaultConnector connector,
            Clock clock,
            MeterRegistry meterRegistry) {
        AtomicBoolean closing = new AtomicBoolean();
        Optional<LeaderState> leader = config.leaderElection()
                ? Optional.of(new LeaderState(leaderIdentity(), config.leaderElectionNamespace(), new AtomicBoolean()))
                : Optional.empty();
        Operator operator = new Operator(o -> {
            o.withKubernetesClient(client)
                    .withMetrics(MicrometerMetrics.withoutPerResourceMetrics(meterRegistry))
                    .withConcurrentReconciliationThreads(config.concurrentReconciliations())
                    .withCloseClientOnStop(false)
                    .withStopOnInformerErrorDuringStartup(true)
                    .withCacheSyncTimeout(Duration.ofMinutes(2))
                    .withResourceCloner(new RequestsUncloned(client.getKubernetesSerialization()));
            leader.ifPresent(state -> o.withLeaderElectionConfiguration(leaderElection(state, closing)));
        });
        OperatorRuntime runtime = new OperatorRuntime(operator, closing, client, leader);
        EventRecorder events = new EventRecorder(client, clock);
        IssuanceMetrics metrics = new IssuanceMetrics(meterRegistry, clock);
        IssuerRechecks rechecks = new IssuerRechecks();
        Revocations revocations = new Revocations(
                runtime.revocationPublications,
                metrics,
                runtime.crlTimer,
                new TenantSerialExecutor(runtime.crlWorkers),
                config.crlBatchDelay(),
                rechecks::now);
        IssuerReconciliation reconciliation = new IssuerReconciliation(
                new CredentialResolver(client),
                new VaultSessions(connector, guard(config)),
                runtime.registry,
                events,
                metrics,
                clock,
                config.resyncInterval(),
                admission(config),
                revocations);
        runtime.standbyChecks = () -> {
            List<Runnable> checks = new ArrayList<>();
            client.resources(Issuer.class)
                    .inAnyNamespace()
                    .list()
                    .getItems()
                    .forEach(issuer -> checks.add(() -> reconciliation.prepare(
                            issuer,
                            IssuerId.issuer(
                                    issuer.getMetadata().getNamespace(),
                                    issuer.getMetadata().getName()),
                            issuer.getMetadata().getNamespace(),
                            runtime::isLeader)));
            client.resources(ClusterIssuer.class)
                    .list()
                    .getItems()
                    .forEach(issuer -> checks.add(() -> reconciliation.prepare(
                            issuer,
                            IssuerId.clusterIssuer(issuer.getMetadata().getName()),
                            config.clusterResourceNamespace(),
                            runtime::isLeader)));
            runAll(checks, config.concurrentReconciliations());
        };
        runtime.standbyInterval = config.resyncInterval();
        operator.register(new IssuerReconciler(reconciliation, rechecks));
        operator.register(new ClusterIssuerReconciler(reconciliation, config.clusterResourceNamespace(), rechecks));
        RequestRevocations requestRevocations = new RequestRevocations(client, revocations, events, clock);
        RequestDecisions decisions = new RequestDecisions(RetryPolicy.withMaxRetryDuration(config.maxRetryDuration()));
        operator.register(
                new CertificateRequestReconciler(
                        runtime.registry,
                        decisions,
                        new RequestStatusWriter(client, clock),
                        events,
                        metrics,
                        clock,
                        rechecks,
                        requestRevocations),
                overrider -> overrider
                        .withItemStore(new RequestCacheStore())
                        .withInformerListLimit(LIST_PAGE)
                        .withOnAddFilter(FinalRequestsFilter.onAdd())
                        .withOnUpdateFilter(FinalRequestsFilter.onUpdate()));
        if (config.certificateSigningRequests()) {
            operator.register(new CertificateSigningRequestReconciler(
                    runtime.registry,
                    decisions,
                    new CertificateSigningRequestKind(
                            new CsrStatusWriter(client, clock), new SignerReferenceCheck(client)),
                    events,
                    metrics,
                    clock,
                    rechecks,
                    requestRevocations));
        }
        return runtime;
    }

    /**
     * JOSDK hands each reconciler a copy of the cached resource, made by a JSON round trip. The request reconciler
     * never changes the CertificateRequest it is given (it writes status with patches built from scratch), so it
     * gets the cached object itself, which saves that round trip on every reconciliation; issuers, whose status the
     * issuer reconcilers set on the object, are still copied.
     */
    static final class RequestsUncloned implements io.javaoperatorsdk.operator.api.config.Cloner {

        private final io.fabric8.kubernetes.client.utils.KubernetesSerialization serialization;

        RequestsUncloned(io.fabric8.kubernetes.client.utils.KubernetesSerialization serialization) {
            this.serialization = serialization;
        }

        @Override
        public <R extends io.fabric8.kubernetes.api.model.HasMetadata> R clone(R resource) {
            return resource instanceof io.fabric8.certmanager.api.model.v1.CertificateRequest
                    ? resource
                    : serialization.clone(resource);
        }
    }

    /** The per-tenant bulkhead and the fair per-vault rate limit every issuer's vault calls go through. */
    static VaultGuard guard(OperatorConfig config) {
        return new VaultGuard(
                Optional.of(new VaultRateLimiter(
                        VaultRateLimiter.Limits.defaults().withPermitsPerWindow(config.vaultSignsPer10Seconds()))),
                config.vaultCallsPerTenant());
    }

    static IssuerAdmission admission(OperatorConfig config) {
        return new IssuerAdmission(
                config.issuerAmbientCredentials(),
                config.issuerManagedIdentities(),
                new VaultHosts(config.allowedVaultHosts()));
    }

    public void start() {
        operator.start();
        leader.ifPresent(state -> {
            standbyThread = new Thread(() -> standby(state), "standby-issuer-checks");
            standbyThread.setDaemon(true);
            standbyThread.start();
        });
    }

    /**
     * True once every informer is healthy and, for a standby, once it has checked every issuer: then it can sign the
     * moment it leads, and a rolling update, which stops the old leader as soon as the new replica is ready, pauses
     * issuance only for the hand-over of the Lease. A standby replica is ready too: otherwise it never would be, and
     * rollouts and the PodDisruptionBudget would count the standby as unavailable.
     */
    public boolean isReady() {
        return operator.getRuntimeInfo().allEventSourcesAreHealthy() && (isLeader() || standbyPrepared.get());
    }

    /** Whether this replica signs: it holds the Lease, or runs without leader election. */
    public boolean isLeader() {
        return leader.map(state -> state.leading().get()).orElse(true);
    }

    public SignerRegistry registry() {
        return registry;
    }

    /** Runs the tasks on that many threads and waits for all; one task's failure does not stop the others. */
    private static void runAll(List<Runnable> tasks, int threads) {
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Math.min(threads, tasks.size())));
        try {
            List<Future<?>> futures = new ArrayList<>();
            tasks.forEach(task -> futures.add(pool.submit(task)));
            for (Future<?> future : futures) {
                try {
                    future.get();
                } catch (ExecutionException e) {
                    LOG.warn("standby: an issuer check failed: {}", e.getCause().toString());
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * While this replica stands by, it checks every issuer once per resync interval, reads only: its registry is
     * then ready when it leads, and the first requests after a hand-over need no issuer check first. The leader's
     * own checks replace these as soon as it reconciles.
     */
    private void standby(LeaderState state) {
        while (!closing.get() && !state.leading().get()) {
            try {
                long started = System.nanoTime();
                standbyChecks.run();
                LOG.info(
                        "standby: issuers checked in {} ms, ready to sign when leading",
                        (System.nanoTime() - started) / 1_000_000);
            } catch (RuntimeException e) {
                LOG.warn("standby: checking the issuers failed: {}", e.getMessage());
            } finally {
                // Ready after one round, whatever it found: the checks only save time at a hand-over.
                standbyPrepared.set(true);
            }
            long until = System.nanoTime() + standbyInterval.toNanos();
            while (!closing.get() && !state.leading().get() && System.nanoTime() < until) {
                try {
                    Thread.sleep(200);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    /** The CRLs to serve, kept current by the issuer checks and revocations. */
    public RevocationPublications revocationPublications() {
        return revocationPublications;
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        java.util.concurrent.atomic.AtomicInteger n = new java.util.concurrent.atomic.AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /**
     * Stops reconciling (JOSDK waits for the reconciliations in flight), then hands the Lease back, so that a standby
     * takes over within about a second instead of waiting for the Lease to expire. JOSDK 5.2.3 builds fabric8's
     * leader elector with releaseOnCancel off, so the release is done here, after signing has stopped, with the
     * Lease's resourceVersion as precondition: a Lease someone else holds or changed meanwhile is left alone.
     */
    @Override
    public void close() {
        closing.set(true);
        crlTimer.shutdownNow();
        crlWorkers.shutdownNow();
        if (standbyThread != null) {
            standbyThread.interrupt();
        }
        operator.stop();
        leader.filter(state -> state.leading().get()).ifPresent(this::releaseLease);
    }

    private void releaseLease(LeaderState state) {
        // A renewal that was in flight when the elector stopped may have moved the Lease on: read it again then.
        for (int attempt = 1; attempt <= 3; attempt++) {
            try {
                Lease lease = client.leases()
                        .inNamespace(state.namespace())
                        .withName(LEASE_NAME)
                        .get();
                if (lease == null
                        || lease.getSpec() == null
                        || !state.identity().equals(lease.getSpec().getHolderIdentity())) {
                    return;
                }
                lease.getSpec().setHolderIdentity(null);
                lease.getSpec().setLeaseDurationSeconds(1);
                lease.getSpec().setRenewTime(java.time.ZonedDateTime.now(java.time.ZoneOffset.UTC));
                lease.getMetadata().setManagedFields(null);
                client.resource(lease).update();
                state.leading().set(false);
                LOG.info("leader election: Lease released");
                return;
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409 || attempt == 3) {
                    LOG.warn(
                            "leader election: could not release the Lease, a standby takes over when it expires: "
                                    + "{}",
                            e.getMessage());
                    return;
                }
            }
        }
    }
}
