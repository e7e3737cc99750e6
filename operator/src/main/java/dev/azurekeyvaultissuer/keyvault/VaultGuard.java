package dev.azurekeyvaultissuer.keyvault;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * What keeps one tenant's vault traffic from hurting another's, around every vault connection of the operator:
 *
 * <ul>
 *   <li>a bulkhead: at most {@code callsPerTenant} vault calls of one tenant in flight at once. A tenant's vault that
 *       answers slowly (or never, until the call deadline) holds at most that many reconcile threads; a call that
 *       finds no free slot within a second fails as THROTTLED and is retried later, its thread freed.</li>
 *   <li>a fair share of each vault's rate limit ({@link VaultRateLimiter#acquire(URI, String, int)}), so a flood of
 *       signs from one tenant on a shared vault is throttled in its own share, not in everybody's.</li>
 * </ul>
 *
 * <p>A tenant is a name the caller chooses: the operator uses an Issuer's namespace (every Issuer of a team shares
 * one bulkhead and one share) and a ClusterIssuer's own name.
 */
public final class VaultGuard {

    static final Duration SLOT_WAIT = Duration.ofSeconds(1);

    private final Optional<VaultRateLimiter> limiter;
    private final int callsPerTenant;
    private final ConcurrentMap<String, Semaphore> bulkheads = new ConcurrentHashMap<>();

    public VaultGuard(Optional<VaultRateLimiter> limiter, int callsPerTenant) {
        if (callsPerTenant < 1) {
            throw new IllegalArgumentException("vault calls per tenant must be at least 1, not " + callsPerTenant);
        }
        this.limiter = Objects.requireNonNull(limiter, "limiter");
        this.callsPerTenant = callsPerTenant;
    }

    /** The vault as {@code tenant} may use it. Cheap: make one per use if the tenant varies. */
    public KeyVault forTenant(KeyVault vault, String tenant) {
        return new Guarded(Objects.requireNonNull(vault, "vault"), Objects.requireNonNull(tenant, "tenant"));
    }

    /** Calls of the tenant in flight now; for tests and metrics. */
    public int inFlight(String tenant) {
        Semaphore bulkhead = bulkheads.get(tenant);
        return bulkhead == null ? 0 : callsPerTenant - bulkhead.availablePermits();
    }

    private <T> T call(String tenant, URI vault, int weight, Supplier<T> call) {
        Semaphore bulkhead = bulkheads.computeIfAbsent(tenant, t -> new Semaphore(callsPerTenant));
        boolean admitted;
        try {
            admitted = bulkhead.tryAcquire(SLOT_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new VaultException(VaultException.Kind.THROTTLED, "interrupted while waiting for a vault slot", e);
        }
        if (!admitted) {
            throw new VaultException(
                    VaultException.Kind.THROTTLED,
                    callsPerTenant + " vault calls of " + tenant
                            + " are already in flight (--vault-calls-per-tenant), the vault answers slowly; will retry",
                    Optional.of(Duration.ofSeconds(5)),
                    null);
        }
        try {
            limiter.ifPresent(l -> l.acquire(vault, tenant, weight));
            return call.get();
        } finally {
            bulkhead.release();
        }
    }

    private final class Guarded implements KeyVault {
        private final KeyVault delegate;
        private final String tenant;

        Guarded(KeyVault delegate, String tenant) {
            this.delegate = delegate;
            this.tenant = tenant;
        }

        @Override
        public VaultKey getKey(KeyReference key) {
            return call(tenant, key.vaultUrl(), TransactionWeight.READ, () -> delegate.getKey(key));
        }

        @Override
        public byte[] sign(VaultKey key, SignatureAlgorithm algorithm, byte[] digest) {
            return call(
                    tenant,
                    RateLimitedKeyVault.vaultOf(key.keyId()),
                    TransactionWeight.ofSign(key),
                    () -> delegate.sign(key, algorithm, digest));
        }

        @Override
        public String getSecret(SecretReference secret) {
            return call(tenant, secret.vaultUrl(), TransactionWeight.READ, () -> delegate.getSecret(secret));
        }

        @Override
        public byte[] getCertificate(CertificateReference certificate) {
            return call(
                    tenant, certificate.vaultUrl(), TransactionWeight.READ, () -> delegate.getCertificate(certificate));
        }

        @Override
        public String setSecret(SecretReference secret, String value, String contentType, Map<String, String> tags) {
            return call(
                    tenant,
                    secret.vaultUrl(),
                    TransactionWeight.READ,
                    () -> delegate.setSecret(secret, value, contentType, tags));
        }

        @Override
        public List<String> secretVersions(SecretReference secret) {
            return call(tenant, secret.vaultUrl(), TransactionWeight.READ, () -> delegate.secretVersions(secret));
        }
    }
}
