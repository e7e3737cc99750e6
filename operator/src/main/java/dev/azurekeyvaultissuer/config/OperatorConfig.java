package dev.azurekeyvaultissuer.config;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * The operator's whole configuration, parsed once from flags and environment by the {@code run} command and passed
 * by constructor; nothing reads the environment later.
 *
 * @param clusterResourceNamespace where a ClusterIssuer's Secrets and ServiceAccounts live
 * @param issuerAmbientCredentials whether namespaced Issuers without {@code auth} may use the operator's identity
 * @param resyncInterval how often each issuer is checked again (key rotation is followed at this pace)
 * @param maxRetryDuration how long a CertificateRequest is retried after retryable errors before it fails
 * @param concurrentReconciliations requests and issuers reconciled in parallel
 * @param vaultSignsPer10Seconds the per-vault rate limit on sign calls
 * @param azureAuthorityHost Entra ID's authority host, when not the public cloud's
 * @param azureTrustStore a PKCS#12 trust store for vault and Entra ID TLS (tests with the emulator); empty: the JDK's
 * @param azureDisableChallengeResourceVerification accept a vault whose host is not under the challenge's resource
 *     (the emulator on 127.0.0.1); never for production vaults
 */
public record OperatorConfig(
        String clusterResourceNamespace,
        boolean issuerAmbientCredentials,
        Duration resyncInterval,
        Duration maxRetryDuration,
        int concurrentReconciliations,
        int vaultSignsPer10Seconds,
        Optional<URI> azureAuthorityHost,
        Optional<Path> azureTrustStore,
        Optional<String> azureTrustStorePassword,
        boolean azureDisableChallengeResourceVerification,
        int healthPort,
        boolean leaderElection,
        String leaderElectionNamespace) {

    public OperatorConfig {
        if (resyncInterval.isNegative() || resyncInterval.isZero()) {
            throw new IllegalArgumentException("--resync-interval must be positive");
        }
        if (maxRetryDuration.isNegative() || maxRetryDuration.isZero()) {
            throw new IllegalArgumentException("--max-retry-duration must be positive");
        }
        if (concurrentReconciliations < 1) {
            throw new IllegalArgumentException("--concurrent-reconciles must be at least 1");
        }
        if (vaultSignsPer10Seconds < 1) {
            throw new IllegalArgumentException("--vault-sign-rate must be at least 1");
        }
    }

    /** Defaults for tests and embedding; the CLI documents each. */
    public static OperatorConfig defaults(String clusterResourceNamespace) {
        return new OperatorConfig(clusterResourceNamespace, false, Duration.ofMinutes(5), Duration.ofHours(1), 10,
                2000, Optional.empty(), Optional.empty(), Optional.empty(), false, 8081, false,
                clusterResourceNamespace);
    }

    public OperatorConfig withIssuerAmbientCredentials(boolean allowed) {
        return new OperatorConfig(clusterResourceNamespace, allowed, resyncInterval, maxRetryDuration,
                concurrentReconciliations, vaultSignsPer10Seconds, azureAuthorityHost, azureTrustStore,
                azureTrustStorePassword, azureDisableChallengeResourceVerification, healthPort, leaderElection,
                leaderElectionNamespace);
    }

    public OperatorConfig withResyncInterval(Duration interval) {
        return new OperatorConfig(clusterResourceNamespace, issuerAmbientCredentials, interval, maxRetryDuration,
                concurrentReconciliations, vaultSignsPer10Seconds, azureAuthorityHost, azureTrustStore,
                azureTrustStorePassword, azureDisableChallengeResourceVerification, healthPort, leaderElection,
                leaderElectionNamespace);
    }

    public OperatorConfig withMaxRetryDuration(Duration duration) {
        return new OperatorConfig(clusterResourceNamespace, issuerAmbientCredentials, resyncInterval, duration,
                concurrentReconciliations, vaultSignsPer10Seconds, azureAuthorityHost, azureTrustStore,
                azureTrustStorePassword, azureDisableChallengeResourceVerification, healthPort, leaderElection,
                leaderElectionNamespace);
    }
}
