package dev.azurekeyvaultissuer.keyvault;

import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A {@link KeyVault} that takes permits from the per-vault {@link VaultRateLimiter} before each call, a sign as many
 * as Azure weighs it ({@link TransactionWeight}). Share one
 * limiter between all vault connections of the process: Azure's limits are per vault, whoever the caller is.
 */
public final class RateLimitedKeyVault implements KeyVault {

    private final KeyVault delegate;
    private final VaultRateLimiter limiter;

    public RateLimitedKeyVault(KeyVault delegate, VaultRateLimiter limiter) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
        this.limiter = Objects.requireNonNull(limiter, "limiter");
    }

    @Override
    public VaultKey getKey(KeyReference key) {
        limiter.acquire(key.vaultUrl());
        return delegate.getKey(key);
    }

    @Override
    public byte[] sign(VaultKey key, SignatureAlgorithm algorithm, byte[] digest) {
        limiter.acquire(vaultOf(key.keyId()), TransactionWeight.ofSign(key));
        return delegate.sign(key, algorithm, digest);
    }

    @Override
    public String getSecret(SecretReference secret) {
        limiter.acquire(secret.vaultUrl());
        return delegate.getSecret(secret);
    }

    @Override
    public byte[] getCertificate(CertificateReference certificate) {
        limiter.acquire(certificate.vaultUrl());
        return delegate.getCertificate(certificate);
    }

    @Override
    public String setSecret(SecretReference secret, String value, String contentType, Map<String, String> tags) {
        limiter.acquire(secret.vaultUrl());
        return delegate.setSecret(secret, value, contentType, tags);
    }

    @Override
    public List<String> secretVersions(SecretReference secret) {
        limiter.acquire(secret.vaultUrl());
        return delegate.secretVersions(secret);
    }

    static URI vaultOf(String keyId) {
        URI id = URI.create(keyId);
        return VaultUrls.normalize(URI.create(id.getScheme() + "://" + id.getRawAuthority()));
    }
}
