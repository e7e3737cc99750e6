package dev.azurekeyvaultissuer.cli;

import dev.azurekeyvaultissuer.config.OperatorConfig;
import dev.azurekeyvaultissuer.controller.OperatorRuntime;
import dev.azurekeyvaultissuer.controller.VaultTrafficMetrics;
import dev.azurekeyvaultissuer.keyvault.VaultHosts;
import dev.azurekeyvaultissuer.keyvault.azure.AzureVaultConnector;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** Starts the operator against the current kubeconfig, or the in-cluster ServiceAccount. */
@Command(
        name = "run",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        abbreviateSynopsis = true,
        usageHelpWidth = 110,
        description = {
            "Run the operator: check Issuers and ClusterIssuers, sign approved CertificateRequests.",
            "Every option can also be set by the environment variable shown in brackets."
        },
        footer = {
            "",
            "Azure credentials of the operator itself (used by ClusterIssuers without spec.auth):",
            "  workload identity (AZURE_CLIENT_ID, AZURE_TENANT_ID, AZURE_FEDERATED_TOKEN_FILE, set by the",
            "  azure-workload-identity webhook), else managed identity, else AZURE_CLIENT_SECRET or",
            "  AZURE_CLIENT_CERTIFICATE_PATH with AZURE_CLIENT_ID and AZURE_TENANT_ID."
        })
public final class RunCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    private static final Logger LOG = LoggerFactory.getLogger(RunCommand.class);

    @Option(
            names = "--cluster-resource-namespace",
            defaultValue = "${env:CLUSTER_RESOURCE_NAMESPACE:-${env:POD_NAMESPACE:-azure-keyvault-issuer}}",
            description = "Namespace where a ClusterIssuer's Secrets are read [CLUSTER_RESOURCE_NAMESPACE, "
                    + "else POD_NAMESPACE]. Default: ${DEFAULT-VALUE}.")
    String clusterResourceNamespace;

    @Option(
            names = "--issuer-ambient-credentials",
            defaultValue = "${env:ISSUER_AMBIENT_CREDENTIALS:-false}",
            description = "Let namespaced Issuers use ambient identities: the operator's own (no spec.auth) and any "
                    + "managed identity on the node (spec.auth.managedIdentity). Off by default: otherwise any "
                    + "namespace could sign with any key those identities can reach [ISSUER_AMBIENT_CREDENTIALS].")
    boolean issuerAmbientCredentials;

    @Option(
            names = "--issuer-managed-identities",
            split = ",",
            defaultValue = "${env:ISSUER_MANAGED_IDENTITIES:-}",
            description = "Comma-separated client IDs of managed identities that namespaced Issuers may name in "
                    + "spec.auth.managedIdentity without --issuer-ambient-credentials (ClusterIssuers may name any) "
                    + "[ISSUER_MANAGED_IDENTITIES]. Default: none.")
    List<String> issuerManagedIdentities = new ArrayList<>();

    @Option(
            names = "--allowed-vault-hosts",
            split = ",",
            defaultValue = "${env:ALLOWED_VAULT_HOSTS:-}",
            description = "Comma-separated vault hosts allowed besides Azure's Key Vault and Managed HSM hosts "
                    + "(*.vault.azure.net, *.managedhsm.azure.net and their China and US Government twins): exact "
                    + "hosts or *.domain, e.g. a custom domain in front of a private endpoint "
                    + "[ALLOWED_VAULT_HOSTS]. Default: none.")
    List<String> allowedVaultHosts = new ArrayList<>();

    @Option(
            names = "--resync-interval",
            defaultValue = "${env:RESYNC_INTERVAL:-PT5M}",
            converter = DurationConverter.class,
            description = "How often each issuer's key and CA are checked again; a key rotated in the vault is "
                    + "followed within this interval (e.g. 5m, 30s, PT1H) [RESYNC_INTERVAL]. Default: 5m.")
    Duration resyncInterval;

    @Option(
            names = "--max-retry-duration",
            defaultValue = "${env:MAX_RETRY_DURATION:-PT1H}",
            converter = DurationConverter.class,
            description = "How long a CertificateRequest is retried after retryable errors (throttling, vault "
                    + "outages) before it is marked Failed [MAX_RETRY_DURATION]. Default: 1h.")
    Duration maxRetryDuration;

    @Option(
            names = "--concurrent-reconciles",
            defaultValue = "${env:CONCURRENT_RECONCILES:-10}",
            description = "Resources reconciled in parallel [CONCURRENT_RECONCILES]. Default: ${DEFAULT-VALUE}.")
    int concurrentReconciles;

    @Option(
            names = "--vault-sign-rate",
            defaultValue = "${env:VAULT_SIGN_RATE:-2000}",
            description = "Vault transactions allowed per vault per 10 seconds, weighed as Azure weighs them: a "
                    + "sign with a software RSA-2048 or EC key counts 1, RSA-3072 4, RSA-4096 8, twice that with "
                    + "an HSM key; reads count 1. Azure allows 4000 [VAULT_SIGN_RATE]. Default: ${DEFAULT-VALUE}.")
    int vaultSignRate;

    @Option(
            names = "--vault-call-timeout",
            defaultValue = "${env:VAULT_CALL_TIMEOUT:-PT30S}",
            converter = DurationConverter.class,
            description = "The most one vault call may take, its retries included; a vault that answers slowly or "
                    + "drip-feeds its answer is cut off then [VAULT_CALL_TIMEOUT]. Default: 30s.")
    Duration vaultCallTimeout;

    @Option(
            names = "--vault-max-response-bytes",
            defaultValue = "${env:VAULT_MAX_RESPONSE_BYTES:-1048576}",
            description = "The largest vault or Entra ID response body read; a longer one fails the call while it "
                    + "is read, before it is buffered [VAULT_MAX_RESPONSE_BYTES]. Default: ${DEFAULT-VALUE} (1 MiB).")
    long vaultMaxResponseBytes;

    @Option(
            names = "--vault-calls-per-tenant",
            defaultValue = "${env:VAULT_CALLS_PER_TENANT:-0}",
            description = "Vault calls in flight at once for one tenant (the Issuers of one namespace, or one "
                    + "ClusterIssuer), so that one slow vault leaves threads to the others; more wait a few seconds "
                    + "[VAULT_CALLS_PER_TENANT]. Default (0): a third of --concurrent-reconciles, at least 1.")
    int vaultCallsPerTenant;

    @Option(
            names = "--health-bind-address",
            defaultValue = "${env:HEALTH_BIND_ADDRESS:-0.0.0.0}",
            description = "Address of /healthz, /readyz and /metrics: all interfaces in a pod (the kubelet and "
                    + "Prometheus reach it), 127.0.0.1 on a workstation [HEALTH_BIND_ADDRESS]. "
                    + "Default: ${DEFAULT-VALUE}.")
    String healthBindAddress;

    @Option(
            names = "--health-port",
            defaultValue = "${env:HEALTH_PORT:-8081}",
            description = "Port of /healthz, /readyz and /metrics [HEALTH_PORT]. Default: ${DEFAULT-VALUE}; "
                    + "0 picks a free port.")
    int healthPort;

    @Option(
            names = "--leader-elect",
            defaultValue = "${env:LEADER_ELECT:-false}",
            description = "Elect a leader through a Lease so several replicas are safe [LEADER_ELECT].")
    boolean leaderElect;

    @Option(
            names = "--leader-election-namespace",
            defaultValue = "${env:POD_NAMESPACE:-azure-keyvault-issuer}",
            description = "Namespace of the leader election Lease [POD_NAMESPACE]. Default: ${DEFAULT-VALUE}.")
    String leaderElectionNamespace;

    @Option(
            names = "--certificate-signing-requests",
            arity = "1",
            defaultValue = "${env:CERTIFICATE_SIGNING_REQUESTS:-true}",
            description = "Sign Kubernetes CertificateSigningRequests (certificates.k8s.io/v1) whose signer name is "
                    + "clusterissuers.azure-keyvault-issuer.dev/<name> or issuers.azure-keyvault-issuer.dev/<ns>.<name>; "
                    + "=false turns it off [CERTIFICATE_SIGNING_REQUESTS]. Default: true.")
    boolean certificateSigningRequests;

    @Option(
            names = "--crl-server",
            arity = "1",
            defaultValue = "${env:CRL_SERVER:-true}",
            description =
                    "Serve the CRLs of issuers with spec.revocation over plain HTTP at /crl/issuers/<ns>/<name>.crl "
                            + "and /crl/clusterissuers/<name>.crl, and their OCSP responders at "
                            + "/ocsp/issuers/<ns>/<name> and /ocsp/clusterissuers/<name> [CRL_SERVER]. Default: true.")
    boolean crlServer;

    @Option(
            names = "--crl-bind-address",
            defaultValue = "${env:CRL_BIND_ADDRESS:-0.0.0.0}",
            description = "Address of the CRL server [CRL_BIND_ADDRESS]. Default: ${DEFAULT-VALUE}.")
    String crlBindAddress;

    @Option(
            names = "--crl-port",
            defaultValue = "${env:CRL_PORT:-8082}",
            description = "Port of the CRL server [CRL_PORT]. Default: ${DEFAULT-VALUE}; 0 picks a free port.")
    int crlPort;

    @Option(
            names = "--crl-batch-delay",
            defaultValue = "${env:CRL_BATCH_DELAY:-PT2S}",
            converter = DurationConverter.class,
            description = "How long a revocation waits for others of the same issuer before the CRL is signed: "
                    + "revocations within this time cost one vault signature [CRL_BATCH_DELAY]. Default: 2s.")
    Duration crlBatchDelay;

    @Option(
            names = "--azure-authority-host",
            defaultValue = "${env:AZURE_AUTHORITY_HOST}",
            description = "Entra ID authority host for sovereign clouds (or the local emulator) "
                    + "[AZURE_AUTHORITY_HOST]. Default: the public cloud.")
    URI azureAuthorityHost;

    @Option(
            names = "--azure-trust-store",
            defaultValue = "${env:AZURE_TRUST_STORE}",
            description = "PKCS#12 trust store for vault and Entra ID TLS, e.g. the emulator's. Default: the JDK's "
                    + "CA certificates. TLS verification is never turned off [AZURE_TRUST_STORE].")
    Path azureTrustStore;

    @Option(
            names = "--azure-trust-store-password",
            defaultValue = "${env:AZURE_TRUST_STORE_PASSWORD}",
            description = "Password of --azure-trust-store [AZURE_TRUST_STORE_PASSWORD].")
    String azureTrustStorePassword;

    @Option(
            names = "--azure-disable-challenge-resource-verification",
            defaultValue = "${env:AZURE_DISABLE_CHALLENGE_RESOURCE_VERIFICATION:-false}",
            description = "Test only: accept vaults on a loopback address (the local emulator on 127.0.0.1) although "
                    + "their host is not under the auth challenge's resource. Applies to loopback hosts only, and is "
                    + "refused unless --azure-authority-host is a loopback address too "
                    + "[AZURE_DISABLE_CHALLENGE_RESOURCE_VERIFICATION].")
    boolean azureDisableChallengeResourceVerification;

    /** The flags as the operator's configuration; a bad combination is a usage error. */
    OperatorConfig config() {
        if (azureDisableChallengeResourceVerification
                && (azureAuthorityHost == null || !VaultHosts.isLoopback(azureAuthorityHost.getHost()))) {
            throw new ParameterException(
                    spec.commandLine(),
                    "--azure-disable-challenge-resource-verification is "
                            + "for a local emulator only: it needs --azure-authority-host on a loopback address, not "
                            + (azureAuthorityHost == null ? "Entra ID" : azureAuthorityHost.toString()));
        }
        try {
            new VaultHosts(allowedVaultHosts);
            return new OperatorConfig(
                    clusterResourceNamespace,
                    issuerAmbientCredentials,
                    Set.copyOf(issuerManagedIdentities),
                    List.copyOf(allowedVaultHosts),
                    resyncInterval,
                    maxRetryDuration,
                    concurrentReconciles,
                    vaultSignRate,
                    vaultCallTimeout,
                    vaultMaxResponseBytes,
                    vaultCallsPerTenant == 0
                            ? OperatorConfig.defaultVaultCallsPerTenant(concurrentReconciles)
                            : vaultCallsPerTenant,
                    Optional.ofNullable(azureAuthorityHost),
                    Optional.ofNullable(azureTrustStore),
                    Optional.ofNullable(azureTrustStorePassword),
                    azureDisableChallengeResourceVerification,
                    healthBindAddress,
                    healthPort,
                    leaderElect,
                    leaderElectionNamespace,
                    certificateSigningRequests,
                    crlServer,
                    crlBindAddress,
                    crlPort,
                    crlBatchDelay);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    @Override
    public Integer call() throws Exception {
        OperatorConfig config = config();
        if (config.azureDisableChallengeResourceVerification()) {
            LOG.warn("TEST ONLY: the auth challenge's resource is not verified for vaults on loopback addresses "
                    + "(--azure-disable-challenge-resource-verification); never use this against Azure");
        }
        PrometheusMeterRegistry meterRegistry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new JvmMemoryMetrics().bindTo(meterRegistry);
        new JvmThreadMetrics().bindTo(meterRegistry);
        AzureVaultConnector connector = AzureWiring.connector(config, new VaultTrafficMetrics(meterRegistry));
        LOG.info("operator identity: {}", connector.describeAmbientIdentity());
        KubernetesClient client = new KubernetesClientBuilder().build();
        OperatorRuntime runtime = OperatorRuntime.create(client, config, connector, Clock.systemUTC(), meterRegistry);
        CountDownLatch stopped = new CountDownLatch(1);
        try (HealthEndpoint health = new HealthEndpoint(
                        healthBindAddress,
                        healthPort,
                        () -> true,
                        runtime::isReady,
                        runtime::isLeader,
                        meterRegistry::scrape);
                RevocationServer crls = config.crlServer()
                        ? RevocationServer.start(
                                crlBindAddress, crlPort, runtime.revocationPublications(), Clock.systemUTC())
                        : null) {
            Runtime.getRuntime()
                    .addShutdownHook(new Thread(
                            () -> {
                                LOG.info("shutting down");
                                runtime.close();
                                client.close();
                                stopped.countDown();
                            },
                            "shutdown"));
            runtime.start();
            LOG.info(
                    "operator started clusterResourceNamespace={} issuerAmbientCredentials={} resyncInterval={} "
                            + "healthPort={} crlPort={}",
                    clusterResourceNamespace,
                    issuerAmbientCredentials,
                    resyncInterval,
                    health.port(),
                    crls == null ? "off" : String.valueOf(crls.port()));
            stopped.await();
        }
        return 0;
    }
}
