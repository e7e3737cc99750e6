package dev.azurekeyvaultissuer.keyvault.azure;

import com.azure.core.credential.TokenCredential;
import com.azure.core.exception.ResourceNotFoundException;
import com.azure.core.http.HttpClient;
import com.azure.core.http.jdk.httpclient.JdkHttpClientBuilder;
import com.azure.core.http.policy.RetryOptions;
import com.azure.core.http.rest.PagedIterable;
import com.azure.core.util.ClientOptions;
import com.azure.core.util.polling.LongRunningOperationStatus;
import com.azure.security.keyvault.certificates.CertificateClient;
import com.azure.security.keyvault.certificates.CertificateClientBuilder;
import com.azure.security.keyvault.certificates.models.CertificateContentType;
import com.azure.security.keyvault.certificates.models.CertificateKeyCurveName;
import com.azure.security.keyvault.certificates.models.CertificateKeyType;
import com.azure.security.keyvault.certificates.models.CertificateKeyUsage;
import com.azure.security.keyvault.certificates.models.CertificateOperation;
import com.azure.security.keyvault.certificates.models.CertificatePolicy;
import com.azure.security.keyvault.certificates.models.KeyVaultCertificateWithPolicy;
import com.azure.security.keyvault.certificates.models.MergeCertificateOptions;
import com.azure.security.keyvault.keys.KeyClient;
import com.azure.security.keyvault.keys.KeyClientBuilder;
import com.azure.security.keyvault.keys.models.CreateEcKeyOptions;
import com.azure.security.keyvault.keys.models.CreateKeyOptions;
import com.azure.security.keyvault.keys.models.CreateRsaKeyOptions;
import com.azure.security.keyvault.keys.models.KeyCurveName;
import com.azure.security.keyvault.keys.models.KeyOperation;
import com.azure.security.keyvault.keys.models.KeyProperties;
import com.azure.security.keyvault.keys.models.KeyVaultKey;
import com.azure.security.keyvault.secrets.SecretClient;
import com.azure.security.keyvault.secrets.SecretClientBuilder;
import com.azure.security.keyvault.secrets.models.KeyVaultSecret;
import com.azure.security.keyvault.secrets.models.SecretProperties;
import dev.azurekeyvaultissuer.keyvault.CaKeyType;
import dev.azurekeyvaultissuer.keyvault.CertificateReference;
import dev.azurekeyvaultissuer.keyvault.KeyReference;
import dev.azurekeyvaultissuer.keyvault.KeyVaultAdministration;
import dev.azurekeyvaultissuer.keyvault.SecretReference;
import dev.azurekeyvaultissuer.keyvault.SignatureAlgorithm;
import dev.azurekeyvaultissuer.keyvault.ToolCredentials;
import dev.azurekeyvaultissuer.keyvault.VaultException;
import dev.azurekeyvaultissuer.keyvault.VaultKey;
import java.io.IOException;
import java.net.URI;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;

/**
 * {@link KeyVaultAdministration} with Azure's SDK, for {@code create-ca-cert}. Reads and signing go through the
 * operator's own {@link AzureKeyVault}, unchanged; the writes (create a key, set a secret, create and merge a
 * certificate object) through key, secret and certificate clients built the same way: one credential, one HTTP client
 * with the configured trust, the same retries.
 */
public final class AzureKeyVaultAdministration implements KeyVaultAdministration {

    private static final String APPLICATION_ID = "azure-keyvault-issuer/create-ca-cert";
    // How many older versions of a key are searched for the key of a pending certificate.
    private static final int MAX_KEY_VERSIONS_SEARCHED = 25;

    private final AzureKeyVault vault;
    private final TokenCredential credential;
    private final String identity;
    private final HttpClient httpClient;
    private final AzureClientOptions options;
    private final RetryOptions retryOptions;
    private final ClientOptions clientOptions = new ClientOptions().setApplicationId(APPLICATION_ID);
    private final ConcurrentMap<URI, KeyClient> keyClients = new ConcurrentHashMap<>();
    private final ConcurrentMap<URI, SecretClient> secretClients = new ConcurrentHashMap<>();
    private final ConcurrentMap<URI, CertificateClient> certificateClients = new ConcurrentHashMap<>();

    private AzureKeyVaultAdministration(TokenCredential credential, String identity, HttpClient httpClient,
            AzureClientOptions options) {
        this.credential = credential;
        this.identity = identity;
        this.httpClient = httpClient;
        this.options = options;
        this.retryOptions = AzureKeyVault.retryOptions(options.retries());
        this.vault = new AzureKeyVault(credential, identity, httpClient, options);
    }

    /**
     * Connects with the identity {@code method} picks from {@code environment} (the variables azure-identity reads).
     * Makes no network call: the first vault call requests the token.
     */
    public static AzureKeyVaultAdministration connect(AzureClientOptions options, ToolCredentials method,
            Map<String, String> environment) {
        Objects.requireNonNull(options, "options");
        HttpClient httpClient = httpClient(options);
        ToolCredentialChain chain = new ToolCredentialChain(
                new AzureCredentials(options, httpClient, environment), environment);
        return new AzureKeyVaultAdministration(chain.create(method), chain.describe(method), httpClient, options);
    }

    @Override
    public String identity() {
        return identity;
    }

    // ------------------------------------------------------------------ the operator's port, unchanged

    @Override
    public VaultKey getKey(KeyReference key) {
        return vault.getKey(key);
    }

    @Override
    public byte[] sign(VaultKey key, SignatureAlgorithm algorithm, byte[] digest) {
        return vault.sign(key, algorithm, digest);
    }

    @Override
    public String getSecret(SecretReference secret) {
        return vault.getSecret(secret);
    }

    @Override
    public byte[] getCertificate(CertificateReference certificate) {
        return vault.getCertificate(certificate);
    }

    // ------------------------------------------------------------------ administration

    @Override
    public Optional<VaultKey> findKey(KeyReference key) {
        try {
            return Optional.of(vault.getKey(key));
        } catch (VaultException e) {
            if (e.kind() == VaultException.Kind.NOT_FOUND) {
                return Optional.empty();
            }
            throw e;
        }
    }

    @Override
    public VaultKey createKey(NewKey key) {
        CaKeyType type = key.type();
        CreateKeyOptions create = type.isRsa()
                ? new CreateRsaKeyOptions(key.name()).setKeySize(type.rsaBits()).setHardwareProtected(key.hsm())
                : new CreateEcKeyOptions(key.name()).setCurveName(KeyCurveName.fromString(type.curve()))
                        .setHardwareProtected(key.hsm());
        // A CA key signs and nothing else; not exportable, so no release policy could ever let it out.
        create.setKeyOperations(KeyOperation.SIGN, KeyOperation.VERIFY)
                .setExportable(false)
                .setTags(key.tags());
        KeyVaultKey created;
        try {
            KeyClient client = keyClient(key.vaultUrl());
            created = create instanceof CreateRsaKeyOptions rsa ? client.createRsaKey(rsa)
                    : client.createEcKey((CreateEcKeyOptions) create);
        } catch (RuntimeException e) {
            throw AdministrationErrors.map(e, AdministrationOperation.CREATE_KEY, "key '" + key.name() + "'",
                    key.vaultUrl(), identity);
        }
        return VaultKeys.toVaultKey(created);
    }

    @Override
    public String setSecret(SecretReference secret, String value, String contentType, Map<String, String> tags) {
        try {
            KeyVaultSecret stored = secretClient(secret.vaultUrl()).setSecret(new KeyVaultSecret(secret.name(), value)
                    .setProperties(new SecretProperties().setContentType(contentType).setTags(Map.copyOf(tags))));
            return stored.getId();
        } catch (RuntimeException e) {
            throw AdministrationErrors.map(e, AdministrationOperation.SET_SECRET, "secret '" + secret.name() + "'",
                    secret.vaultUrl(), identity);
        }
    }

    @Override
    public Optional<byte[]> findCertificate(CertificateReference certificate) {
        try {
            byte[] der = certificateClient(certificate.vaultUrl()).getCertificate(certificate.name()).getCer();
            return der == null || der.length == 0 ? Optional.empty() : Optional.of(der);
        } catch (ResourceNotFoundException e) {
            return Optional.empty();
        } catch (RuntimeException e) {
            throw VaultErrors.map(e, VaultOperation.GET_CERTIFICATE, "certificate '" + certificate.name() + "'",
                    certificate.vaultUrl(), identity);
        }
    }

    @Override
    public PendingCertificate createPendingCertificate(NewCertificate certificate) {
        CertificateReference reference = certificate.reference();
        CaKeyType type = certificate.type();
        CertificatePolicy policy = new CertificatePolicy("Unknown", certificate.subject())
                .setKeyType(CertificateKeyType.fromString(type.keyVaultType(certificate.hsm())))
                .setExportable(false)
                .setKeyReusable(false)
                .setKeyUsage(CertificateKeyUsage.KEY_CERT_SIGN, CertificateKeyUsage.CRL_SIGN)
                .setContentType(CertificateContentType.PEM)
                .setValidityInMonths(certificate.validityMonths());
        if (type.isRsa()) {
            policy.setKeySize(type.rsaBits());
        } else {
            policy.setKeyCurveName(CertificateKeyCurveName.fromString(type.curve()));
        }
        CertificateOperation operation;
        try {
            // The activation call is the create; its answer already holds the CSR, so no poll is needed: waitUntil
            // returns the latest answer at once when it has the status asked for.
            operation = certificateClient(reference.vaultUrl())
                    .beginCreateCertificate(reference.name(), policy, true, certificate.tags())
                    .waitUntil(LongRunningOperationStatus.NOT_STARTED)
                    .getValue();
        } catch (RuntimeException e) {
            throw AdministrationErrors.map(e, AdministrationOperation.CREATE_CERTIFICATE,
                    "certificate '" + reference.name() + "'", reference.vaultUrl(), identity);
        }
        return pending(reference, operation);
    }

    @Override
    public PendingCertificate pendingCertificate(CertificateReference reference) {
        CertificateOperation operation;
        try {
            operation = certificateClient(reference.vaultUrl()).getCertificateOperation(reference.name()).poll()
                    .getValue();
        } catch (ResourceNotFoundException e) {
            throw new VaultException(VaultException.Kind.NOT_FOUND, "certificate '" + reference.name()
                    + "' has no pending request in " + reference.vaultUrl() + ": create one first (create-ca-cert"
                    + " --intermediate-csr FILE --certificate-name " + reference.name() + ")", e);
        } catch (RuntimeException e) {
            throw AdministrationErrors.map(e, AdministrationOperation.GET_PENDING_CERTIFICATE,
                    "certificate '" + reference.name() + "'", reference.vaultUrl(), identity);
        }
        return pending(reference, operation);
    }

    @Override
    public byte[] mergeCertificate(CertificateReference reference, List<byte[]> chainDer) {
        KeyVaultCertificateWithPolicy merged;
        try {
            merged = certificateClient(reference.vaultUrl())
                    .mergeCertificate(new MergeCertificateOptions(reference.name(), List.copyOf(chainDer)));
        } catch (ResourceNotFoundException e) {
            throw new VaultException(VaultException.Kind.NOT_FOUND, "certificate '" + reference.name()
                    + "' has no pending request in " + reference.vaultUrl() + " to merge into", e);
        } catch (RuntimeException e) {
            throw AdministrationErrors.map(e, AdministrationOperation.MERGE_CERTIFICATE,
                    "certificate '" + reference.name() + "'", reference.vaultUrl(), identity);
        }
        return merged.getCer();
    }

    /*
     * The vault names no key id in a pending operation: the key is the certificate's namesake, at the version whose
     * public key is the CSR's. That is normally the current version (the create just made it); older versions are
     * searched, newest first, in case the vault still reports the last completed one as current.
     */
    private PendingCertificate pending(CertificateReference reference, CertificateOperation operation) {
        String object = "certificate '" + reference.name() + "'";
        if (operation == null || operation.getCsr() == null || operation.getCsr().length == 0) {
            throw new VaultException(VaultException.Kind.INVALID, object + " in " + reference.vaultUrl()
                    + " has no pending certificate request (status "
                    + (operation == null ? "unknown" : operation.getStatus()) + ")");
        }
        if (!"inProgress".equalsIgnoreCase(String.valueOf(operation.getStatus()))) {
            throw new VaultException(VaultException.Kind.INVALID, object + " in " + reference.vaultUrl()
                    + " has no request waiting for a certificate (its last operation is " + operation.getStatus()
                    + "): create a new version first");
        }
        byte[] csr = operation.getCsr();
        byte[] csrKey;
        try {
            csrKey = new PKCS10CertificationRequest(csr).getSubjectPublicKeyInfo().getEncoded();
        } catch (IOException | RuntimeException e) {
            throw new VaultException(VaultException.Kind.INVALID, "the pending request of " + object + " in "
                    + reference.vaultUrl() + " is not a PKCS#10 request", e);
        }
        KeyReference key = new KeyReference(reference.vaultUrl(), reference.name(), Optional.empty());
        VaultKey current = vault.getKey(key);
        if (Arrays.equals(current.publicKey().getEncoded(), csrKey)) {
            return new PendingCertificate(reference, csr, current);
        }
        List<KeyProperties> versions = new ArrayList<>();
        try {
            PagedIterable<KeyProperties> listed = keyClient(reference.vaultUrl())
                    .listPropertiesOfKeyVersions(reference.name());
            listed.forEach(versions::add);
        } catch (RuntimeException e) {
            throw AdministrationErrors.map(e, AdministrationOperation.LIST_KEY_VERSIONS, "key '" + reference.name()
                    + "'", reference.vaultUrl(), identity);
        }
        versions.sort(Comparator.comparing(KeyProperties::getCreatedOn,
                Comparator.nullsLast(Comparator.<OffsetDateTime>reverseOrder())));
        for (KeyProperties version : versions.subList(0, Math.min(versions.size(), MAX_KEY_VERSIONS_SEARCHED))) {
            VaultKey candidate = vault.getKey(key.atVersion(version.getVersion()));
            if (Arrays.equals(candidate.publicKey().getEncoded(), csrKey)) {
                return new PendingCertificate(reference, csr, candidate);
            }
        }
        throw new VaultException(VaultException.Kind.INVALID, "none of the versions of key '" + reference.name()
                + "' in " + reference.vaultUrl() + " holds the public key of the pending request of " + object);
    }

    // ------------------------------------------------------------------ clients

    private KeyClient keyClient(URI url) {
        return keyClients.computeIfAbsent(url, u -> {
            KeyClientBuilder builder = new KeyClientBuilder().vaultUrl(u.toString()).credential(credential)
                    .httpClient(httpClient).retryOptions(retryOptions).clientOptions(clientOptions);
            if (options.disableChallengeResourceVerification()) {
                builder.disableChallengeResourceVerification();
            }
            return builder.buildClient();
        });
    }

    private SecretClient secretClient(URI url) {
        return secretClients.computeIfAbsent(url, u -> {
            SecretClientBuilder builder = new SecretClientBuilder().vaultUrl(u.toString()).credential(credential)
                    .httpClient(httpClient).retryOptions(retryOptions).clientOptions(clientOptions);
            if (options.disableChallengeResourceVerification()) {
                builder.disableChallengeResourceVerification();
            }
            return builder.buildClient();
        });
    }

    private CertificateClient certificateClient(URI url) {
        return certificateClients.computeIfAbsent(url, u -> {
            CertificateClientBuilder builder = new CertificateClientBuilder().vaultUrl(u.toString())
                    .credential(credential).httpClient(httpClient).retryOptions(retryOptions)
                    .clientOptions(clientOptions);
            if (options.disableChallengeResourceVerification()) {
                builder.disableChallengeResourceVerification();
            }
            return builder.buildClient();
        });
    }

    // The same JDK HTTP client set-up as AzureVaultConnector's, whose builder is private to it.
    private static HttpClient httpClient(AzureClientOptions options) {
        java.net.http.HttpClient.Builder jdk = java.net.http.HttpClient.newBuilder();
        options.sslContext().ifPresent(jdk::sslContext);
        return new JdkHttpClientBuilder(jdk)
                .connectionTimeout(options.connectTimeout())
                .responseTimeout(options.responseTimeout())
                .readTimeout(options.responseTimeout())
                .build();
    }
}
