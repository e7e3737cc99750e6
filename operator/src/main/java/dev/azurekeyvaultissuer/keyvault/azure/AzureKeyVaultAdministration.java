package dev.azurekeyvaultissuer.keyvault.azure;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenCredential;
import com.azure.core.credential.TokenRequestContext;
import com.azure.core.exception.ResourceNotFoundException;
import com.azure.core.http.rest.PagedIterable;
import com.azure.core.util.polling.LongRunningOperationStatus;
import com.azure.security.keyvault.certificates.models.CertificateContentType;
import com.azure.security.keyvault.certificates.models.CertificateKeyCurveName;
import com.azure.security.keyvault.certificates.models.CertificateKeyType;
import com.azure.security.keyvault.certificates.models.CertificateKeyUsage;
import com.azure.security.keyvault.certificates.models.CertificateOperation;
import com.azure.security.keyvault.certificates.models.CertificatePolicy;
import com.azure.security.keyvault.certificates.models.KeyVaultCertificateWithPolicy;
import com.azure.security.keyvault.certificates.models.MergeCertificateOptions;
import com.azure.security.keyvault.keys.KeyClient;
import com.azure.security.keyvault.keys.models.CreateEcKeyOptions;
import com.azure.security.keyvault.keys.models.CreateKeyOptions;
import com.azure.security.keyvault.keys.models.CreateRsaKeyOptions;
import com.azure.security.keyvault.keys.models.KeyCurveName;
import com.azure.security.keyvault.keys.models.KeyOperation;
import com.azure.security.keyvault.keys.models.KeyProperties;
import com.azure.security.keyvault.keys.models.KeyVaultKey;
import com.azure.security.keyvault.secrets.models.KeyVaultSecret;
import com.azure.security.keyvault.secrets.models.SecretProperties;
import dev.azurekeyvaultissuer.keyvault.CaKeyType;
import dev.azurekeyvaultissuer.keyvault.CertificateReference;
import dev.azurekeyvaultissuer.keyvault.ErrorText;
import dev.azurekeyvaultissuer.keyvault.KeyReference;
import dev.azurekeyvaultissuer.keyvault.KeyVaultAdministration;
import dev.azurekeyvaultissuer.keyvault.SecretReference;
import dev.azurekeyvaultissuer.keyvault.SignatureAlgorithm;
import dev.azurekeyvaultissuer.keyvault.ToolCredentials;
import dev.azurekeyvaultissuer.keyvault.VaultException;
import dev.azurekeyvaultissuer.keyvault.VaultKey;
import dev.azurekeyvaultissuer.keyvault.VaultTraffic;
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
import java.util.concurrent.atomic.AtomicReference;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import reactor.core.publisher.Mono;

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
    private final WatchedCredential credential;
    private final String identity;
    private final VaultClients clients;

    private AzureKeyVaultAdministration(
            TokenCredential credential, String identity, BoundedHttpClient httpClient, AzureClientOptions options) {
        this.credential = new WatchedCredential(credential);
        this.identity = identity;
        // One set of clients for the reads the operator's code makes and the writes below.
        this.clients = new VaultClients(this.credential, httpClient, options, VaultTraffic.IGNORED, APPLICATION_ID);
        this.vault = new AzureKeyVault(clients, identity);
    }

    /**
     * Connects with the identity {@code method} picks from {@code environment} (the variables azure-identity reads).
     * Makes no network call: the first vault call requests the token.
     */
    public static AzureKeyVaultAdministration connect(
            AzureClientOptions options, ToolCredentials method, Map<String, String> environment) {
        Objects.requireNonNull(options, "options");
        BoundedHttpClient httpClient = AzureVaultConnector.httpClient(options);
        ToolCredentialChain chain =
                new ToolCredentialChain(new AzureCredentials(options, httpClient, environment), environment);
        return new AzureKeyVaultAdministration(chain.create(method), chain.describe(method), httpClient, options);
    }

    @Override
    public String identity() {
        return identity;
    }

    // ------------------------------------------------------------------ the operator's port, unchanged

    @Override
    public VaultKey getKey(KeyReference key) {
        try {
            return vault.getKey(key);
        } catch (VaultException e) {
            throw credentialFailureOr(e, key.vaultUrl());
        }
    }

    @Override
    public byte[] sign(VaultKey key, SignatureAlgorithm algorithm, byte[] digest) {
        try {
            return vault.sign(key, algorithm, digest);
        } catch (VaultException e) {
            throw credentialFailureOr(e, URI.create(key.keyId()).resolve("/"));
        }
    }

    @Override
    public String getSecret(SecretReference secret) {
        try {
            return vault.getSecret(secret);
        } catch (VaultException e) {
            throw credentialFailureOr(e, secret.vaultUrl());
        }
    }

    @Override
    public byte[] getCertificate(CertificateReference certificate) {
        try {
            return vault.getCertificate(certificate);
        } catch (VaultException e) {
            throw credentialFailureOr(e, certificate.vaultUrl());
        }
    }

    @Override
    public List<String> secretVersions(SecretReference secret) {
        try {
            return vault.secretVersions(secret);
        } catch (VaultException e) {
            throw credentialFailureOr(e, secret.vaultUrl());
        }
    }

    /*
     * When the credential cannot get a token, some SDK clients (KeyClient.getKey in azure-security-keyvault-keys
     * 4.10.5) fail with a NullPointerException while mapping the response-less ClientAuthenticationException, which
     * would read as an unreachable vault. The credential's own failure is the real cause: report that.
     */
    private VaultException credentialFailureOr(VaultException e, URI vaultUrl) {
        return credential
                .lastFailure()
                .map(failure -> credentialFailure(failure, vaultUrl))
                .orElse(e);
    }

    /*
     * The operator's mapping decides the kind (a network failure on the way to Entra ID stays UNAVAILABLE). The
     * message is spelled out here: a chain of credentials fails with one message per credential, each of which a
     * user needs (managed identity unavailable, Azure CLI not installed or not signed in), where the operator's
     * mapping keeps only the first usable line.
     */
    private VaultException credentialFailure(RuntimeException failure, URI vaultUrl) {
        VaultException mapped = VaultErrors.map(failure, VaultOperation.GET_KEY, "the vault", vaultUrl, identity);
        if (mapped.kind() != VaultException.Kind.UNAUTHENTICATED) {
            return mapped;
        }
        String text = failure.getMessage() == null ? failure.getClass().getSimpleName() : failure.getMessage();
        int aadsts = text.indexOf("AADSTS");
        text = aadsts >= 0 ? text.substring(aadsts) : text;
        // azure-identity appends a link to its troubleshooting guide to each message, glued to the sentence before.
        text = text.replaceAll(
                        "\\s*To mitigate this issue, please refer to the troubleshooting guidelines here at"
                                + " https://\\S*?troubleshoot",
                        "")
                .replaceAll("ChainedTokenCredential authentication failed\\. ---> ", "");
        return new VaultException(
                VaultException.Kind.UNAUTHENTICATED, "no Azure token for " + identity + ": " + oneLine(text), failure);
    }

    // Like VaultErrors.oneLine, with room for one message per credential of a chain.
    private static String oneLine(String text) {
        return ErrorText.oneLine(text, 1200);
    }

    private VaultException admin(RuntimeException e, VaultOperation operation, String object, URI vault) {
        if (credential.lastFailure().isPresent()) {
            return credentialFailureOr(null, vault);
        }
        return VaultErrors.map(e, operation, object, vault, identity);
    }

    // ------------------------------------------------------------------ administration

    @Override
    public Optional<VaultKey> findKey(KeyReference key) {
        try {
            return Optional.of(getKey(key));
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
                : new CreateEcKeyOptions(key.name())
                        .setCurveName(KeyCurveName.fromString(type.curve()))
                        .setHardwareProtected(key.hsm());
        // A CA key signs and nothing else; not exportable, so no release policy could ever let it out.
        create.setKeyOperations(KeyOperation.SIGN, KeyOperation.VERIFY)
                .setExportable(false)
                .setTags(key.tags());
        KeyVaultKey created;
        try {
            KeyClient client = clients.key(key.vaultUrl());
            created = create instanceof CreateRsaKeyOptions rsa
                    ? client.createRsaKey(rsa)
                    : client.createEcKey((CreateEcKeyOptions) create);
        } catch (RuntimeException e) {
            throw admin(e, VaultOperation.CREATE_KEY, "key '" + key.name() + "'", key.vaultUrl());
        }
        return VaultKeys.toVaultKey(created);
    }

    @Override
    public String setSecret(SecretReference secret, String value, String contentType, Map<String, String> tags) {
        try {
            KeyVaultSecret stored = clients.secret(secret.vaultUrl())
                    .setSecret(new KeyVaultSecret(secret.name(), value)
                            .setProperties(new SecretProperties()
                                    .setContentType(contentType)
                                    .setTags(Map.copyOf(tags))));
            return stored.getId();
        } catch (RuntimeException e) {
            throw admin(e, VaultOperation.SET_SECRET, "secret '" + secret.name() + "'", secret.vaultUrl());
        }
    }

    @Override
    public Optional<byte[]> findCertificate(CertificateReference certificate) {
        try {
            byte[] der = clients.certificate(certificate.vaultUrl())
                    .getCertificate(certificate.name())
                    .getCer();
            return der == null || der.length == 0 ? Optional.empty() : Optional.of(der);
        } catch (ResourceNotFoundException e) {
            return Optional.empty();
        } catch (RuntimeException e) {
            throw credentialFailureOr(
                    VaultErrors.map(
                            e,
                            VaultOperation.GET_CERTIFICATE,
                            "certificate '" + certificate.name() + "'",
                            certificate.vaultUrl(),
                            identity),
                    certificate.vaultUrl());
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
            operation = clients.certificate(reference.vaultUrl())
                    .beginCreateCertificate(reference.name(), policy, true, certificate.tags())
                    .waitUntil(LongRunningOperationStatus.NOT_STARTED)
                    .getValue();
        } catch (RuntimeException e) {
            throw admin(
                    e,
                    VaultOperation.CREATE_CERTIFICATE,
                    "certificate '" + reference.name() + "'",
                    reference.vaultUrl());
        }
        return pending(reference, operation);
    }

    @Override
    public PendingCertificate pendingCertificate(CertificateReference reference) {
        CertificateOperation operation;
        try {
            operation = clients.certificate(reference.vaultUrl())
                    .getCertificateOperation(reference.name())
                    .poll()
                    .getValue();
        } catch (ResourceNotFoundException e) {
            throw new VaultException(
                    VaultException.Kind.NOT_FOUND,
                    "certificate '" + reference.name()
                            + "' has no pending request in " + reference.vaultUrl()
                            + ": create one first (create-ca-cert"
                            + " --intermediate-csr FILE --certificate-name " + reference.name() + ")"
                            + VaultErrors.vaultSaid(e),
                    e);
        } catch (RuntimeException e) {
            throw admin(
                    e,
                    VaultOperation.GET_PENDING_CERTIFICATE,
                    "certificate '" + reference.name() + "'",
                    reference.vaultUrl());
        }
        return pending(reference, operation);
    }

    @Override
    public byte[] mergeCertificate(CertificateReference reference, List<byte[]> chainDer) {
        KeyVaultCertificateWithPolicy merged;
        try {
            merged = clients.certificate(reference.vaultUrl())
                    .mergeCertificate(new MergeCertificateOptions(reference.name(), List.copyOf(chainDer)));
        } catch (ResourceNotFoundException e) {
            throw new VaultException(
                    VaultException.Kind.NOT_FOUND,
                    "certificate '" + reference.name() + "' has no pending request in " + reference.vaultUrl()
                            + " to merge into" + VaultErrors.vaultSaid(e),
                    e);
        } catch (RuntimeException e) {
            throw admin(
                    e,
                    VaultOperation.MERGE_CERTIFICATE,
                    "certificate '" + reference.name() + "'",
                    reference.vaultUrl());
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
            throw new VaultException(
                    VaultException.Kind.INVALID,
                    object + " in " + reference.vaultUrl()
                            + " has no pending certificate request (status "
                            + (operation == null ? "unknown" : operation.getStatus()) + ")");
        }
        if (!"inProgress".equalsIgnoreCase(String.valueOf(operation.getStatus()))) {
            throw new VaultException(
                    VaultException.Kind.INVALID,
                    object + " in " + reference.vaultUrl()
                            + " has no request waiting for a certificate (its last operation is "
                            + operation.getStatus()
                            + "): create a new version first");
        }
        byte[] csr = operation.getCsr();
        byte[] csrKey;
        try {
            csrKey = new PKCS10CertificationRequest(csr)
                    .getSubjectPublicKeyInfo()
                    .getEncoded();
        } catch (IOException | RuntimeException e) {
            throw new VaultException(
                    VaultException.Kind.INVALID,
                    "the pending request of " + object + " in " + reference.vaultUrl() + " is not a PKCS#10 request",
                    e);
        }
        KeyReference key = new KeyReference(reference.vaultUrl(), reference.name(), Optional.empty());
        VaultKey current = getKey(key);
        if (Arrays.equals(current.publicKey().getEncoded(), csrKey)) {
            return new PendingCertificate(reference, csr, current);
        }
        List<KeyProperties> versions = new ArrayList<>();
        try {
            PagedIterable<KeyProperties> listed =
                    clients.key(reference.vaultUrl()).listPropertiesOfKeyVersions(reference.name());
            listed.forEach(versions::add);
        } catch (RuntimeException e) {
            throw admin(e, VaultOperation.LIST_KEY_VERSIONS, "key '" + reference.name() + "'", reference.vaultUrl());
        }
        versions.sort(Comparator.comparing(
                KeyProperties::getCreatedOn, Comparator.nullsLast(Comparator.<OffsetDateTime>reverseOrder())));
        for (KeyProperties version : versions.subList(0, Math.min(versions.size(), MAX_KEY_VERSIONS_SEARCHED))) {
            VaultKey candidate = getKey(key.atVersion(version.getVersion()));
            if (Arrays.equals(candidate.publicKey().getEncoded(), csrKey)) {
                return new PendingCertificate(reference, csr, candidate);
            }
        }
        throw new VaultException(
                VaultException.Kind.INVALID,
                "none of the versions of key '" + reference.name() + "' in " + reference.vaultUrl()
                        + " holds the public key of the pending request of " + object);
    }

    /** Remembers whether the last token request failed, and why; a success clears it. */
    static final class WatchedCredential implements TokenCredential {

        private final TokenCredential delegate;
        private final AtomicReference<RuntimeException> lastFailure = new AtomicReference<>();

        WatchedCredential(TokenCredential delegate) {
            this.delegate = Objects.requireNonNull(delegate, "delegate");
        }

        Optional<RuntimeException> lastFailure() {
            return Optional.ofNullable(lastFailure.get());
        }

        @Override
        public Mono<AccessToken> getToken(TokenRequestContext request) {
            return delegate.getToken(request)
                    .doOnNext(token -> lastFailure.set(null))
                    .doOnError(RuntimeException.class, lastFailure::set);
        }

        @Override
        public AccessToken getTokenSync(TokenRequestContext request) {
            try {
                AccessToken token = delegate.getTokenSync(request);
                lastFailure.set(null);
                return token;
            } catch (RuntimeException e) {
                lastFailure.set(e);
                throw e;
            }
        }
    }
}
