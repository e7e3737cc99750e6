package dev.azurekeyvaultissuer.keyvault.azure;

import com.azure.core.credential.TokenCredential;
import com.azure.core.exception.ResourceNotFoundException;
import com.azure.core.http.HttpHeaderName;
import com.azure.core.http.HttpResponse;
import com.azure.core.http.policy.ExponentialBackoffOptions;
import com.azure.core.http.policy.RequestRetryCondition;
import com.azure.core.http.policy.RetryOptions;
import com.azure.security.keyvault.certificates.CertificateClient;
import com.azure.security.keyvault.keys.KeyClient;
import com.azure.security.keyvault.keys.models.KeyVaultKey;
import com.azure.security.keyvault.secrets.SecretClient;
import com.azure.security.keyvault.secrets.models.KeyVaultSecret;
import com.azure.security.keyvault.secrets.models.SecretProperties;
import dev.azurekeyvaultissuer.keyvault.CertificateReference;
import dev.azurekeyvaultissuer.keyvault.KeyReference;
import dev.azurekeyvaultissuer.keyvault.KeyVault;
import dev.azurekeyvaultissuer.keyvault.SecretReference;
import dev.azurekeyvaultissuer.keyvault.SignatureAlgorithm;
import dev.azurekeyvaultissuer.keyvault.VaultException;
import dev.azurekeyvaultissuer.keyvault.VaultKey;
import dev.azurekeyvaultissuer.keyvault.VaultTraffic;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeoutException;

/**
 * The port implemented with Azure's SDK, for one identity, over its {@link VaultClients}. Every method is one HTTP
 * call to the vault plus the SDK's retries (listing a secret's versions may page); the first call to a vault host
 * also answers the authentication challenge, which the SDK then caches per host. Signing goes straight to the vault.
 */
public final class AzureKeyVault implements KeyVault {

    private static final String APPLICATION_ID = "azure-keyvault-issuer";
    // A CA secret gains a version per rotation; far fewer than this in any sane vault.
    private static final int MAX_SECRET_VERSIONS = 500;

    private final VaultClients clients;
    private final String identity;

    AzureKeyVault(
            TokenCredential credential,
            String identity,
            BoundedHttpClient httpClient,
            AzureClientOptions options,
            VaultTraffic traffic) {
        this(new VaultClients(credential, httpClient, options, traffic, APPLICATION_ID), identity);
    }

    /** Over clients shared with another user of the same identity, such as create-ca-cert's writes. */
    AzureKeyVault(VaultClients clients, String identity) {
        this.clients = Objects.requireNonNull(clients, "clients");
        this.identity = Objects.requireNonNull(identity, "identity");
    }

    /** The identity this vault authenticates as, for logs. */
    public String identity() {
        return identity;
    }

    @Override
    public VaultKey getKey(KeyReference key) {
        KeyClient client = clients.key(key.vaultUrl());
        KeyVaultKey bundle;
        try {
            bundle = key.version().isPresent()
                    ? client.getKey(key.name(), key.version().get())
                    : client.getKey(key.name());
        } catch (ResourceNotFoundException e) {
            throw key.version().isPresent()
                    ? versionNotFound(client, key, e)
                    : VaultErrors.map(e, VaultOperation.GET_KEY, "key '" + key.name() + "'", key.vaultUrl(), identity);
        } catch (RuntimeException e) {
            throw VaultErrors.map(e, VaultOperation.GET_KEY, describe(key), key.vaultUrl(), identity);
        }
        VaultKey found = VaultKeys.toVaultKey(bundle);
        requireTheNamedKey(key, found.keyId());
        return found;
    }

    /*
     * The key id is what every later sign goes to. A vault (or something posing as one at a tenant's URL) that
     * answers with another vault's or another key's id would send our signs, and the operator's token, elsewhere.
     */
    private static void requireTheNamedKey(KeyReference asked, String keyId) {
        KeyId id;
        try {
            id = KeyId.parse(keyId);
        } catch (IllegalArgumentException e) {
            throw new VaultException(
                    VaultException.Kind.INVALID,
                    "the vault answered a request for " + asked + " with a key id that is not one: \""
                            + VaultErrors.oneLine(String.valueOf(keyId)) + "\"");
        }
        boolean sameVault;
        try {
            sameVault = KeyReference.of(id.vault().toString(), asked.name(), null)
                    .vaultUrl()
                    .equals(asked.vaultUrl());
        } catch (IllegalArgumentException e) {
            sameVault = false;
        }
        boolean sameKey = id.name().equalsIgnoreCase(asked.name())
                && asked.version()
                        .map(v -> v.equalsIgnoreCase(id.version()))
                        .orElse(!id.version().isEmpty());
        if (!sameVault || !sameKey) {
            throw new VaultException(
                    VaultException.Kind.INVALID,
                    "the vault answered a request for " + asked
                            + " with the key id " + VaultErrors.oneLine(keyId)
                            + ", which is not that key: refusing to sign"
                            + " with it");
        }
    }

    @Override
    public byte[] sign(VaultKey key, SignatureAlgorithm algorithm, byte[] digest) {
        Objects.requireNonNull(algorithm, "algorithm");
        if (digest == null || digest.length != algorithm.digestLength()) {
            throw new IllegalArgumentException(algorithm + " signs a " + algorithm.digestLength() + "-byte "
                    + algorithm.digestAlgorithm() + " digest, not "
                    + (digest == null ? "null" : digest.length + " bytes"));
        }
        KeyId id = KeyId.parse(key.keyId());
        com.azure.security.keyvault.keys.cryptography.models.SignResult result;
        try {
            result = clients.cryptography(key.keyId())
                    .sign(
                            com.azure.security.keyvault.keys.cryptography.models.SignatureAlgorithm.fromString(
                                    algorithm.name()),
                            digest);
        } catch (RuntimeException e) {
            throw VaultErrors.map(e, VaultOperation.SIGN, id.describe(), id.vault(), identity);
        }
        if (result.getKeyId() != null && !result.getKeyId().equalsIgnoreCase(key.keyId())) {
            throw new VaultException(
                    VaultException.Kind.INVALID,
                    "the vault signed with " + VaultErrors.oneLine(result.getKeyId()) + " when asked for " + key.keyId()
                            + ": the signature is not used");
        }
        return result.getSignature();
    }

    @Override
    public String getSecret(SecretReference secret) {
        String object = "secret '" + secret.name() + "'"
                + secret.version().map(v -> " version '" + v + "'").orElse("");
        String value;
        try {
            SecretClient client = clients.secret(secret.vaultUrl());
            value = (secret.version().isPresent()
                            ? client.getSecret(secret.name(), secret.version().get())
                            : client.getSecret(secret.name()))
                    .getValue();
        } catch (RuntimeException e) {
            throw VaultErrors.map(e, VaultOperation.GET_SECRET, object, secret.vaultUrl(), identity);
        }
        return value == null ? "" : value;
    }

    @Override
    public String setSecret(SecretReference secret, String value, String contentType, Map<String, String> tags) {
        try {
            return clients.secret(secret.vaultUrl())
                    .setSecret(new KeyVaultSecret(secret.name(), value)
                            .setProperties(new SecretProperties()
                                    .setContentType(contentType)
                                    .setTags(Map.copyOf(tags))))
                    .getId();
        } catch (RuntimeException e) {
            throw VaultErrors.map(
                    e, VaultOperation.SET_SECRET, "secret '" + secret.name() + "'", secret.vaultUrl(), identity);
        }
    }

    @Override
    public List<String> secretVersions(SecretReference secret) {
        List<SecretProperties> versions = new ArrayList<>();
        try {
            clients.secret(secret.vaultUrl()).listPropertiesOfSecretVersions(secret.name()).stream()
                    .filter(p -> !Boolean.FALSE.equals(p.isEnabled()))
                    .limit(MAX_SECRET_VERSIONS)
                    .forEach(versions::add);
        } catch (RuntimeException e) {
            throw VaultErrors.map(
                    e,
                    VaultOperation.LIST_SECRET_VERSIONS,
                    "secret '" + secret.name() + "'",
                    secret.vaultUrl(),
                    identity);
        }
        // The service lists versions in no documented order.
        versions.sort(Comparator.comparing(
                SecretProperties::getCreatedOn, Comparator.nullsLast(Comparator.<OffsetDateTime>reverseOrder())));
        return versions.stream().map(SecretProperties::getVersion).toList();
    }

    @Override
    public byte[] getCertificate(CertificateReference certificate) {
        String object = "certificate '" + certificate.name() + "'"
                + certificate.version().map(v -> " version '" + v + "'").orElse("");
        byte[] der;
        try {
            CertificateClient client = clients.certificate(certificate.vaultUrl());
            der = (certificate.version().isPresent()
                            ? client.getCertificateVersion(
                                    certificate.name(), certificate.version().get())
                            : client.getCertificate(certificate.name()))
                    .getCer();
        } catch (RuntimeException e) {
            throw VaultErrors.map(e, VaultOperation.GET_CERTIFICATE, object, certificate.vaultUrl(), identity);
        }
        if (der == null || der.length == 0) {
            throw new VaultException(
                    VaultException.Kind.INVALID,
                    object + " in " + certificate.vaultUrl()
                            + " has no issued certificate yet: complete (merge) its pending request first");
        }
        return der;
    }

    /*
     * A pinned version that does not exist and a key that does not exist both answer 404 KeyNotFound. Telling them
     * apart costs one more call, on the failure path only, and saves the user guessing which half of the reference
     * is wrong.
     */
    private VaultException versionNotFound(KeyClient client, KeyReference key, ResourceNotFoundException e) {
        String version = key.version().orElseThrow();
        try {
            KeyVaultKey current = client.getKey(key.name());
            return new VaultException(
                    VaultException.Kind.NOT_FOUND,
                    "key '" + key.name() + "' has no version '"
                            + version + "' in " + key.vaultUrl() + " (its current version is '"
                            + current.getProperties().getVersion() + "')" + VaultErrors.vaultSaid(e),
                    e);
        } catch (ResourceNotFoundException keyMissing) {
            return new VaultException(
                    VaultException.Kind.NOT_FOUND,
                    "key '" + key.name() + "' not found in " + key.vaultUrl() + VaultErrors.vaultSaid(e),
                    e);
        } catch (RuntimeException other) {
            return new VaultException(
                    VaultException.Kind.NOT_FOUND,
                    "key '" + key.name() + "' version '" + version + "' not found in " + key.vaultUrl()
                            + VaultErrors.vaultSaid(e),
                    e);
        }
    }

    private static String describe(KeyReference key) {
        return "key '" + key.name() + "'"
                + key.version().map(v -> " version '" + v + "'").orElse("");
    }

    /**
     * The SDK's exponential backoff with our own retry condition: the SDK's statuses (408, 429, 5xx but 501 and
     * 505) and only network failures among exceptions, so a credential that cannot get a token fails at once instead
     * of being retried with backoff; and no retry when the service asks for a longer pause than the maximum delay.
     */
    static RetryOptions retryOptions(AzureClientOptions.Retries retries) {
        ExponentialBackoffOptions backoff = new ExponentialBackoffOptions()
                .setMaxRetries(retries.maxRetries())
                .setBaseDelay(retries.baseDelay())
                .setMaxDelay(retries.maxDelay());
        Duration maxDelay = retries.maxDelay();
        return new RetryOptions(backoff).setShouldRetryCondition(condition -> shouldRetry(condition, maxDelay));
    }

    static boolean shouldRetry(RequestRetryCondition condition, Duration maxDelay) {
        HttpResponse response = condition.getResponse();
        if (response != null) {
            int status = response.getStatusCode();
            boolean transientStatus =
                    status == 408 || status == 429 || (status >= 500 && status != 501 && status != 505);
            return transientStatus
                    && RetryAfter.parse(
                                    name -> response.getHeaders().getValue(HttpHeaderName.fromString(name)),
                                    Instant.now())
                            .map(wait -> wait.compareTo(maxDelay) <= 0)
                            .orElse(true);
        }
        Throwable failure = condition.getThrowable();
        return failure instanceof IOException
                || failure instanceof UncheckedIOException
                || failure instanceof TimeoutException;
    }

    /** A versioned key id: {@code https://<vault>/keys/<name>/<version>}. */
    private record KeyId(URI vault, String name, String version) {

        static KeyId parse(String keyId) {
            URI uri = URI.create(keyId);
            String[] path = uri.getPath().replaceFirst("^/", "").split("/");
            if (path.length < 2 || !"keys".equals(path[0])) {
                throw new IllegalArgumentException("\"" + keyId + "\" is not a Key Vault key id");
            }
            return new KeyId(
                    URI.create(uri.getScheme() + "://" + uri.getRawAuthority()),
                    path[1],
                    path.length > 2 ? path[2] : "");
        }

        String describe() {
            return "key '" + name + "'" + (version.isEmpty() ? "" : " version '" + version + "'");
        }
    }
}
