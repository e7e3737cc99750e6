package dev.azurekeyvaultissuer.config;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * The operator's whole configuration, parsed once from flags and environment by the {@code run} command and passed
 * by constructor; nothing reads the environment later.
 *
 * @param clusterResourceNamespace where a ClusterIssuer's Secrets and ServiceAccounts live
 * @param issuerAmbientCredentials whether namespaced Issuers may use the operator's ambient identities: no
 *     {@code auth} (the operator's own identity) or any {@code auth.managedIdentity} on the node
 * @param issuerManagedIdentities client IDs of managed identities that namespaced Issuers may name in
 *     {@code auth.managedIdentity} without {@code issuerAmbientCredentials} (lower case)
 * @param allowedVaultHosts vault hosts allowed besides Azure's own clouds: an exact host, or {@code *.suffix}
 * @param resyncInterval how often each issuer is checked again (key rotation is followed at this pace)
 * @param maxRetryDuration how long a CertificateRequest is retried after retryable errors before it fails
 * @param concurrentReconciliations requests and issuers reconciled in parallel
 * @param vaultSignsPer10Seconds the per-vault rate limit on sign calls
 * @param vaultCallTimeout the most one vault call may take, its retries included
 * @param vaultMaxResponseBytes the largest vault response body read; a larger one fails the call while reading
 * @param vaultCallsPerTenant vault calls in flight at once for one tenant (an Issuer's namespace, or one
 *     ClusterIssuer), so that one slow vault cannot hold every reconcile thread
 * @param azureAuthorityHost Entra ID's authority host, when not the public cloud's
 * @param azureTrustStore a PKCS#12 trust store for vault and Entra ID TLS (tests with the emulator); empty: the JDK's
 * @param azureDisableChallengeResourceVerification accept a vault on a loopback address although its host is not
 *     under the challenge's resource (the emulator on 127.0.0.1); never applied to any other host
 * @param healthBindAddress the address /healthz, /readyz and /metrics listen on
 * @param certificateSigningRequests whether Kubernetes CertificateSigningRequests for our signer names are signed
 * @param crlServer whether the issuers' CRLs are served over HTTP
 * @param crlBindAddress the address the CRL server listens on
 * @param crlPort the CRL server's port (0: any free port)
 * @param crlBatchDelay how long a revocation waits for others of the same issuer, so that they cost one signature
 */
public record OperatorConfig(
        String clusterResourceNamespace,
        boolean issuerAmbientCredentials,
        Set<String> issuerManagedIdentities,
        List<String> allowedVaultHosts,
        Duration resyncInterval,
        Duration maxRetryDuration,
        int concurrentReconciliations,
        int vaultSignsPer10Seconds,
        Duration vaultCallTimeout,
        long vaultMaxResponseBytes,
        int vaultCallsPerTenant,
        Optional<URI> azureAuthorityHost,
        Optional<Path> azureTrustStore,
        Optional<String> azureTrustStorePassword,
        boolean azureDisableChallengeResourceVerification,
        String healthBindAddress,
        int healthPort,
        boolean leaderElection,
        String leaderElectionNamespace,
        boolean certificateSigningRequests,
        boolean crlServer,
        String crlBindAddress,
        int crlPort,
        Duration crlBatchDelay) {

    public static final Duration DEFAULT_VAULT_CALL_TIMEOUT = Duration.ofSeconds(30);
    public static final Duration DEFAULT_CRL_BATCH_DELAY = Duration.ofSeconds(2);
    /** Key Vault answers are a few KiB; a CA chain secret is at most 25 KB in Azure. */
    public static final long DEFAULT_VAULT_MAX_RESPONSE_BYTES = 1024 * 1024;

    public OperatorConfig {
        issuerManagedIdentities = issuerManagedIdentities.stream()
                .map(String::trim)
                .filter(s -> !s.isEmpty())
                .map(s -> s.toLowerCase(Locale.ROOT))
                .collect(Collectors.toUnmodifiableSet());
        allowedVaultHosts = allowedVaultHosts.stream()
                .map(String::trim)
                .filter(s -> !s.isEmpty())
                .map(s -> s.toLowerCase(Locale.ROOT))
                .toList();
        requirePositive(resyncInterval, "--resync-interval");
        requirePositive(maxRetryDuration, "--max-retry-duration");
        requirePositive(vaultCallTimeout, "--vault-call-timeout");
        if (crlBatchDelay.isNegative() || crlBatchDelay.compareTo(Duration.ofMinutes(1)) > 0) {
            throw new IllegalArgumentException("--crl-batch-delay must be between 0s and 1m");
        }
        if (concurrentReconciliations < 1) {
            throw new IllegalArgumentException("--concurrent-reconciles must be at least 1");
        }
        if (vaultSignsPer10Seconds < 1) {
            throw new IllegalArgumentException("--vault-sign-rate must be at least 1");
        }
        if (vaultMaxResponseBytes < 64 * 1024) {
            throw new IllegalArgumentException(
                    "--vault-max-response-bytes must be at least 65536 (64 KiB), not " + vaultMaxResponseBytes);
        }
        if (vaultCallsPerTenant < 1) {
            throw new IllegalArgumentException("--vault-calls-per-tenant must be at least 1");
        }
        if (vaultCallsPerTenant > concurrentReconciliations) {
            throw new IllegalArgumentException("--vault-calls-per-tenant (" + vaultCallsPerTenant
                    + ") must not exceed --concurrent-reconciles (" + concurrentReconciliations
                    + "): one tenant could then hold every thread");
        }
    }

    /** A third of the reconcile threads, at least one: one tenant's slow vault leaves two thirds to the others. */
    public static int defaultVaultCallsPerTenant(int concurrentReconciliations) {
        return Math.max(1, concurrentReconciliations / 3);
    }

    /** Defaults for tests and embedding; the CLI documents each. */
    public static OperatorConfig defaults(String clusterResourceNamespace) {
        return new OperatorConfig(
                clusterResourceNamespace,
                false,
                Set.of(),
                List.of(),
                Duration.ofMinutes(5),
                Duration.ofHours(1),
                10,
                2000,
                DEFAULT_VAULT_CALL_TIMEOUT,
                DEFAULT_VAULT_MAX_RESPONSE_BYTES,
                defaultVaultCallsPerTenant(10),
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                false,
                "0.0.0.0",
                8081,
                false,
                clusterResourceNamespace,
                true,
                true,
                "0.0.0.0",
                8082,
                DEFAULT_CRL_BATCH_DELAY);
    }

    public OperatorConfig withIssuerAmbientCredentials(boolean allowed) {
        return with(b -> b.issuerAmbientCredentials = allowed);
    }

    public OperatorConfig withIssuerManagedIdentities(Set<String> clientIds) {
        return with(b -> b.issuerManagedIdentities = clientIds);
    }

    public OperatorConfig withAllowedVaultHosts(List<String> hosts) {
        return with(b -> b.allowedVaultHosts = hosts);
    }

    public OperatorConfig withResyncInterval(Duration interval) {
        return with(b -> b.resyncInterval = interval);
    }

    public OperatorConfig withMaxRetryDuration(Duration duration) {
        return with(b -> b.maxRetryDuration = duration);
    }

    public OperatorConfig withConcurrency(int reconciliations, int vaultCallsPerTenant) {
        return with(b -> {
            b.concurrentReconciliations = reconciliations;
            b.vaultCallsPerTenant = vaultCallsPerTenant;
        });
    }

    /** Leader election through the Lease in that namespace (--leader-elect). */
    public OperatorConfig withLeaderElection(String namespace) {
        return with(b -> {
            b.leaderElection = true;
            b.leaderElectionNamespace = namespace;
        });
    }

    public OperatorConfig withVaultSignsPer10Seconds(int permits) {
        return with(b -> b.vaultSignsPer10Seconds = permits);
    }

    public OperatorConfig withCertificateSigningRequests(boolean enabled) {
        return with(b -> b.certificateSigningRequests = enabled);
    }

    public OperatorConfig withCrlBatchDelay(Duration delay) {
        return with(b -> b.crlBatchDelay = delay);
    }

    public OperatorConfig withVaultCallLimits(Duration timeout, long maxResponseBytes) {
        return with(b -> {
            b.vaultCallTimeout = timeout;
            b.vaultMaxResponseBytes = maxResponseBytes;
        });
    }

    private OperatorConfig with(Consumer<Builder> change) {
        Builder b = new Builder(this);
        change.accept(b);
        return b.build();
    }

    private static void requirePositive(Duration d, String flag) {
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(flag + " must be positive");
        }
    }

    /** A mutable copy, so that each {@code with} method changes one thing and the record stays immutable. */
    private static final class Builder {
        String clusterResourceNamespace;
        boolean issuerAmbientCredentials;
        Set<String> issuerManagedIdentities;
        List<String> allowedVaultHosts;
        Duration resyncInterval;
        Duration maxRetryDuration;
        int concurrentReconciliations;
        int vaultSignsPer10Seconds;
        Duration vaultCallTimeout;
        long vaultMaxResponseBytes;
        int vaultCallsPerTenant;
        Optional<URI> azureAuthorityHost;
        Optional<Path> azureTrustStore;
        Optional<String> azureTrustStorePassword;
        boolean azureDisableChallengeResourceVerification;
        String healthBindAddress;
        int healthPort;
        boolean leaderElection;
        String leaderElectionNamespace;
        boolean certificateSigningRequests;
        boolean crlServer;
        String crlBindAddress;
        int crlPort;
        Duration crlBatchDelay;

        Builder(OperatorConfig c) {
            clusterResourceNamespace = c.clusterResourceNamespace;
            issuerAmbientCredentials = c.issuerAmbientCredentials;
            issuerManagedIdentities = c.issuerManagedIdentities;
            allowedVaultHosts = c.allowedVaultHosts;
            resyncInterval = c.resyncInterval;
            maxRetryDuration = c.maxRetryDuration;
            concurrentReconciliations = c.concurrentReconciliations;
            vaultSignsPer10Seconds = c.vaultSignsPer10Seconds;
            vaultCallTimeout = c.vaultCallTimeout;
            vaultMaxResponseBytes = c.vaultMaxResponseBytes;
            vaultCallsPerTenant = c.vaultCallsPerTenant;
            azureAuthorityHost = c.azureAuthorityHost;
            azureTrustStore = c.azureTrustStore;
            azureTrustStorePassword = c.azureTrustStorePassword;
            azureDisableChallengeResourceVerification = c.azureDisableChallengeResourceVerification;
            healthBindAddress = c.healthBindAddress;
            healthPort = c.healthPort;
            leaderElection = c.leaderElection;
            leaderElectionNamespace = c.leaderElectionNamespace;
            certificateSigningRequests = c.certificateSigningRequests;
            crlServer = c.crlServer;
            crlBindAddress = c.crlBindAddress;
            crlPort = c.crlPort;
            crlBatchDelay = c.crlBatchDelay;
        }

        OperatorConfig build() {
            return new OperatorConfig(
                    clusterResourceNamespace,
                    issuerAmbientCredentials,
                    issuerManagedIdentities,
                    allowedVaultHosts,
                    resyncInterval,
                    maxRetryDuration,
                    concurrentReconciliations,
                    vaultSignsPer10Seconds,
                    vaultCallTimeout,
                    vaultMaxResponseBytes,
                    vaultCallsPerTenant,
                    azureAuthorityHost,
                    azureTrustStore,
                    azureTrustStorePassword,
                    azureDisableChallengeResourceVerification,
                    healthBindAddress,
                    healthPort,
                    leaderElection,
                    leaderElectionNamespace,
                    certificateSigningRequests,
                    crlServer,
                    crlBindAddress,
                    crlPort,
                    crlBatchDelay);
        }
    }
}
