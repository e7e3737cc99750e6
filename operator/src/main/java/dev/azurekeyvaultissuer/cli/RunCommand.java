package dev.azurekeyvaultissuer.cli;

import dev.azurekeyvaultissuer.config.OperatorConfig;
import dev.azurekeyvaultissuer.controller.OperatorRuntime;
import dev.azurekeyvaultissuer.controller.VaultTrafficMetrics;
import dev.azurekeyvaultissuer.keyvault.azure.AzureVaultConnector;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Callable;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Starts the operator against the current kubeconfig, or the in-cluster ServiceAccount. */
@Command(name = "run", mixinStandardHelpOptions = true, sortOptions = false, abbreviateSynopsis = true,
        usageHelpWidth = 110,
        description = {"Run the operator: check Issuers and ClusterIssuers, sign approved CertificateRequests.",
            "Every option can also be set by the environment variable shown in brackets."},
        footer = {"", "Azure credentials of the operator itself (used by ClusterIssuers without spec.auth):",
            "  workload identity (AZURE_CLIENT_ID, AZURE_TENANT_ID, AZURE_FEDERATED_TOKEN_FILE, set by the",
            "  azure-workload-identity webhook), else managed identity, else AZURE_CLIENT_SECRET or",
            "  AZURE_CLIENT_CERTIFICATE_PATH with AZURE_CLIENT_ID and AZURE_TENANT_ID."})
public final class RunCommand implements Callable<Integer> {

    private static final Logger LOG = LoggerFactory.getLogger(RunCommand.class);

    @Option(names = "--cluster-resource-namespace", defaultValue = "${env:CLUSTER_RESOURCE_NAMESPACE:-${env:POD_NAMESPACE:-azure-keyvault-issuer}}",
            description = "Namespace where a ClusterIssuer's Secrets are read [CLUSTER_RESOURCE_NAMESPACE, "
                    + "else POD_NAMESPACE]. Default: ${DEFAULT-VALUE}.")
    String clusterResourceNamespace;

    @Option(names = "--issuer-ambient-credentials", defaultValue = "${env:ISSUER_AMBIENT_CREDENTIALS:-false}",
            description = "Let namespaced Issuers without spec.auth use the operator's own Azure identity. Off by "
                    + "default: otherwise any namespace could sign with any key the operator can reach "
                    + "[ISSUER_AMBIENT_CREDENTIALS].")
    boolean issuerAmbientCredentials;

    @Option(names = "--resync-interval", defaultValue = "${env:RESYNC_INTERVAL:-PT5M}",
            converter = DurationConverter.class,
            description = "How often each issuer's key and CA are checked again; a key rotated in the vault is "
                    + "followed within this interval (e.g. 5m, 30s, PT1H) [RESYNC_INTERVAL]. Default: 5m.")
    Duration resyncInterval;

    @Option(names = "--max-retry-duration", defaultValue = "${env:MAX_RETRY_DURATION:-PT1H}",
            converter = DurationConverter.class,
            description = "How long a CertificateRequest is retried after retryable errors (throttling, vault "
                    + "outages) before it is marked Failed [MAX_RETRY_DURATION]. Default: 1h.")
    Duration maxRetryDuration;

    @Option(names = "--concurrent-reconciles", defaultValue = "${env:CONCURRENT_RECONCILES:-10}",
            description = "Resources reconciled in parallel [CONCURRENT_RECONCILES]. Default: ${DEFAULT-VALUE}.")
    int concurrentReconciles;

    @Option(names = "--vault-sign-rate", defaultValue = "${env:VAULT_SIGN_RATE:-2000}",
            description = "Vault transactions allowed per vault per 10 seconds, weighed as Azure weighs them: a "
                    + "sign with a software RSA-2048 or EC key counts 1, RSA-3072 4, RSA-4096 8, twice that with "
                    + "an HSM key; reads count 1. Azure allows 4000 [VAULT_SIGN_RATE]. Default: ${DEFAULT-VALUE}.")
    int vaultSignRate;

    @Option(names = "--health-port", defaultValue = "${env:HEALTH_PORT:-8081}",
            description = "Port of /healthz, /readyz and /metrics [HEALTH_PORT]. Default: ${DEFAULT-VALUE}; "
                    + "0 picks a free port.")
    int healthPort;

    @Option(names = "--leader-elect", defaultValue = "${env:LEADER_ELECT:-false}",
            description = "Elect a leader through a Lease so several replicas are safe [LEADER_ELECT].")
    boolean leaderElect;

    @Option(names = "--leader-election-namespace", defaultValue = "${env:POD_NAMESPACE:-azure-keyvault-issuer}",
            description = "Namespace of the leader election Lease [POD_NAMESPACE]. Default: ${DEFAULT-VALUE}.")
    String leaderElectionNamespace;

    @Option(names = "--azure-authority-host", defaultValue = "${env:AZURE_AUTHORITY_HOST}",
            description = "Entra ID authority host for sovereign clouds (or the local emulator) "
                    + "[AZURE_AUTHORITY_HOST]. Default: the public cloud.")
    URI azureAuthorityHost;

    @Option(names = "--azure-trust-store", defaultValue = "${env:AZURE_TRUST_STORE}",
            description = "PKCS#12 trust store for vault and Entra ID TLS, e.g. the emulator's. Default: the JDK's "
                    + "CA certificates. TLS verification is never turned off [AZURE_TRUST_STORE].")
    Path azureTrustStore;

    @Option(names = "--azure-trust-store-password", defaultValue = "${env:AZURE_TRUST_STORE_PASSWORD}",
            description = "Password of --azure-trust-store [AZURE_TRUST_STORE_PASSWORD].")
    String azureTrustStorePassword;

    @Option(names = "--azure-disable-challenge-resource-verification",
            defaultValue = "${env:AZURE_DISABLE_CHALLENGE_RESOURCE_VERIFICATION:-false}",
            description = "Test only: accept vaults whose host is not under the auth challenge's resource, as the "
                    + "local emulator on 127.0.0.1 [AZURE_DISABLE_CHALLENGE_RESOURCE_VERIFICATION].")
    boolean azureDisableChallengeResourceVerification;

    @Override
    public Integer call() throws Exception {
        OperatorConfig config = new OperatorConfig(clusterResourceNamespace, issuerAmbientCredentials,
                resyncInterval, maxRetryDuration, concurrentReconciles, vaultSignRate,
                Optional.ofNullable(azureAuthorityHost), Optional.ofNullable(azureTrustStore),
                Optional.ofNullable(azureTrustStorePassword), azureDisableChallengeResourceVerification, healthPort,
                leaderElect, leaderElectionNamespace);
        PrometheusMeterRegistry meterRegistry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new JvmMemoryMetrics().bindTo(meterRegistry);
        new JvmThreadMetrics().bindTo(meterRegistry);
        AzureVaultConnector connector = AzureWiring.connector(config, new VaultTrafficMetrics(meterRegistry));
        LOG.info("operator identity: {}", connector.describeAmbientIdentity());
        KubernetesClient client = new KubernetesClientBuilder().build();
        OperatorRuntime runtime = OperatorRuntime.create(client, config, connector, Clock.systemUTC(), meterRegistry);
        CountDownLatch stopped = new CountDownLatch(1);
        try (HealthEndpoint health = new HealthEndpoint(healthPort, () -> true, runtime::isReady,
                meterRegistry::scrape)) {
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                LOG.info("shutting down");
                runtime.close();
                client.close();
                stopped.countDown();
            }, "shutdown"));
            runtime.start();
            LOG.info("operator started clusterResourceNamespace={} issuerAmbientCredentials={} resyncInterval={} "
                    + "healthPort={}", clusterResourceNamespace, issuerAmbientCredentials, resyncInterval,
                    health.port());
            stopped.await();
        }
        return 0;
    }
}
