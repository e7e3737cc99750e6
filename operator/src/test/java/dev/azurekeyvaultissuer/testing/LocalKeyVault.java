package dev.azurekeyvaultissuer.testing;

import dev.azurekeyvaultissuer.keyvault.CertificateReference;
import dev.azurekeyvaultissuer.keyvault.KeyReference;
import dev.azurekeyvaultissuer.keyvault.KeyVault;
import dev.azurekeyvaultissuer.keyvault.SecretReference;
import dev.azurekeyvaultissuer.keyvault.SignatureAlgorithm;
import dev.azurekeyvaultissuer.keyvault.VaultException;
import dev.azurekeyvaultissuer.keyvault.VaultKey;
import dev.azurekeyvaultissuer.pki.EcdsaSignatures;
import java.io.IOException;
import java.net.URI;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DERNull;
import org.bouncycastle.asn1.nist.NISTObjectIdentifiers;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.DigestInfo;
import org.bouncycastle.crypto.CryptoException;
import org.bouncycastle.crypto.Digest;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.digests.SHA384Digest;
import org.bouncycastle.crypto.digests.SHA512Digest;
import org.bouncycastle.crypto.engines.RSABlindedEngine;
import org.bouncycastle.crypto.params.AsymmetricKeyParameter;
import org.bouncycastle.crypto.params.ParametersWithRandom;
import org.bouncycastle.crypto.signers.PSSSigner;
import org.bouncycastle.crypto.util.PrivateKeyFactory;

/**
 * A {@link KeyVault} over JDK key pairs that behaves like Azure Key Vault where the operator can tell: keys have
 * versions (32 hex characters) and the newest is current; {@code sign} takes a digest of exactly the algorithm's
 * length and returns PKCS#1 v1.5 (RS*), PSS with salt = hash length (PS*) or raw {@code r||s} (ES*); secrets and
 * certificates live in memory. Thread-safe, so controller tests can share one.
 *
 * <p>For tests: call counters per operation, failures to inject ({@link #failNext}, {@link #failAlways}), and
 * {@link #tamperSignatures} to make the vault return wrong signatures. Errors mimic the service: unknown objects are
 * {@code NOT_FOUND}; a digest of the wrong length, an algorithm that does not fit the key or a key whose key_ops
 * lack {@code sign} are {@code INVALID}; a disabled or expired key is {@code FORBIDDEN}.
 */
public final class LocalKeyVault implements KeyVault {

    public static final String DEFAULT_URL = "https://local.vault.azure.net";

    /** The port's operations, for counters and injected failures. */
    public enum Operation {
        GET_KEY,
        SIGN,
        GET_SECRET,
        GET_CERTIFICATE,
        LIST_SECRET_VERSIONS,
        SET_SECRET
    }

    private record StoredKey(VaultKey key, PrivateKey privateKey) {}

    private final URI vaultUrl;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();
    private final Map<String, List<StoredKey>> keys = new ConcurrentHashMap<>();
    private final Map<String, List<String>> secrets = new ConcurrentHashMap<>();
    // Versions in the order they were stored; the last is current. Certificate versions follow their keys'.
    private final Map<String, LinkedHashMap<String, byte[]>> certificates = new ConcurrentHashMap<>();
    private final Map<Operation, AtomicInteger> calls = new EnumMap<>(Operation.class);
    private final Map<Operation, VaultException> alwaysFail = new ConcurrentHashMap<>();
    private final Map<Operation, Deque<VaultException>> nextFail = new EnumMap<>(Operation.class);
    private volatile UnaryOperator<byte[]> signatureTamper = UnaryOperator.identity();

    public LocalKeyVault() {
        this(DEFAULT_URL);
    }

    public LocalKeyVault(String vaultUrl) {
        this(vaultUrl, Clock.systemUTC());
    }

    /** @param clock decides whether a key is within its nbf/exp window when it signs */
    public LocalKeyVault(String vaultUrl, Clock clock) {
        this.vaultUrl = URI.create(vaultUrl);
        this.clock = clock;
        for (Operation operation : Operation.values()) {
            calls.put(operation, new AtomicInteger());
            nextFail.put(operation, new ArrayDeque<>());
        }
    }

    public URI vaultUrl() {
        return vaultUrl;
    }

    // ---- keys

    /** Creates a new RSA key (or a new version of it), from {@link TestKeyPairs} so the pair is shared and fast. */
    public VaultKey createRsaKey(String name, int bits) {
        return importKey(name, TestKeyPairs.rsa(bits));
    }

    /** Creates a new EC key (or a new version) on {@code P-256}, {@code P-384} or {@code P-521}. */
    public VaultKey createEcKey(String name, String curve) {
        return importKey(name, TestKeyPairs.ec(curve));
    }

    /** Stores a key pair as the new current version of {@code name}: enabled, key_ops sign and verify. */
    public VaultKey importKey(String name, KeyPair keyPair) {
        String version = UUID.randomUUID().toString().replace("-", "");
        VaultKey key = new VaultKey(
                vaultUrl + "/keys/" + name + "/" + version,
                keyPair.getPublic(),
                false,
                Set.of("sign", "verify"),
                true,
                Optional.empty(),
                Optional.empty());
        keys.computeIfAbsent(name, n -> new ArrayList<>());
        synchronized (keys.get(name)) {
            keys.get(name).add(new StoredKey(key, keyPair.getPrivate()));
        }
        return key;
    }

    /** Changes the attributes of a key's current version (enabled, key_ops, nbf/exp, HSM); returns the new view. */
    public VaultKey updateKey(String name, UnaryOperator<VaultKey> change) {
        List<StoredKey> versions = versions(name);
        synchronized (versions) {
            StoredKey current = versions.get(versions.size() - 1);
            VaultKey changed = change.apply(current.key());
            if (!changed.keyId().equals(current.key().keyId())
                    || !changed.publicKey().equals(current.key().publicKey())) {
                throw new IllegalArgumentException("updateKey changes attributes only, not the id or the key");
            }
            versions.set(versions.size() - 1, new StoredKey(changed, current.privateKey()));
            return changed;
        }
    }

    public VaultKey disableKey(String name) {
        return updateKey(
                name,
                k -> new VaultKey(
                        k.keyId(),
                        k.publicKey(),
                        k.hsmProtected(),
                        k.operations(),
                        false,
                        k.notBefore(),
                        k.expiresOn()));
    }

    /** The reference to a key's current version (no version pinned). */
    public KeyReference keyReference(String name) {
        return new KeyReference(vaultUrl, name, Optional.empty());
    }

    // ---- secrets and certificates

    /** Stores a new version of a secret and returns its (unpinned) reference. */
    public SecretReference putSecret(String name, String value) {
        secrets.computeIfAbsent(name, n -> new ArrayList<>());
        synchronized (secrets.get(name)) {
            secrets.get(name).add(value);
        }
        return new SecretReference(vaultUrl, name, Optional.empty());
    }

    /** Stores a certificate object's new current version (DER) under a fresh version id. */
    public CertificateReference putCertificate(String name, byte[] der) {
        return putCertificate(name, UUID.randomUUID().toString().replace("-", ""), der);
    }

    /** Stores a certificate object's new current version (DER), e.g. with the version of the key it was made with. */
    public CertificateReference putCertificate(String name, String version, byte[] der) {
        LinkedHashMap<String, byte[]> versions = certificates.computeIfAbsent(name, n -> new LinkedHashMap<>());
        synchronized (versions) {
            versions.remove(version);
            versions.put(version, der.clone());
        }
        return new CertificateReference(vaultUrl, name);
    }

    /** The version id of a secret's n-th stored value (0 = first), as {@link #secretVersions} lists them. */
    public static String secretVersionId(int index) {
        return String.format("%032x", index + 1);
    }

    // ---- test controls

    public int calls(Operation operation) {
        return calls.get(operation).get();
    }

    public int signCalls() {
        return calls(Operation.SIGN);
    }

    public void resetCalls() {
        calls.values().forEach(c -> c.set(0));
    }

    /** The next call of that operation throws {@code failure} (queued: several calls fail in turn). */
    public void failNext(Operation operation, VaultException failure) {
        synchronized (nextFail) {
            nextFail.get(operation).add(failure);
        }
    }

    /** Every call of that operation throws {@code failure} until {@link #clearFailures()}. */
    public void failAlways(Operation operation, VaultException failure) {
        alwaysFail.put(operation, failure);
    }

    public void clearFailures() {
        alwaysFail.clear();
        synchronized (nextFail) {
            nextFail.values().forEach(Deque::clear);
        }
        signatureTamper = UnaryOperator.identity();
    }

    /** Passes every signature through {@code tamper} before returning it, like a vault signing with the wrong key. */
    public void tamperSignatures(UnaryOperator<byte[]> tamper) {
        this.signatureTamper = tamper;
    }

    // ---- the port

    @Override
    public VaultKey getKey(KeyReference reference) {
        enter(Operation.GET_KEY);
        requireThisVault(reference.vaultUrl(), reference);
        List<StoredKey> versions = keys.get(reference.name());
        if (versions == null) {
            throw notFound("KeyNotFound", reference);
        }
        synchronized (versions) {
            if (reference.version().isEmpty()) {
                return versions.get(versions.size() - 1).key();
            }
            return versions.stream()
                    .map(StoredKey::key)
                    .filter(k -> k.version().equals(reference.version().get()))
                    .findFirst()
                    .orElseThrow(() -> notFound("KeyNotFound", reference));
        }
    }

    @Override
    public byte[] sign(VaultKey key, SignatureAlgorithm algorithm, byte[] digest) {
        enter(Operation.SIGN);
        StoredKey stored = findByKeyId(key.keyId());
        VaultKey current = stored.key();
        if (!current.enabled()) {
            throw new VaultException(
                    VaultException.Kind.FORBIDDEN,
                    "Operation sign is not allowed on a disabled key (" + current.keyId() + ")");
        }
        if (!current.isValidAt(clock.instant())) {
            throw new VaultException(
                    VaultException.Kind.FORBIDDEN,
                    "Operation sign is not allowed on an expired or" + " not yet valid key (" + current.keyId() + ")");
        }
        if (!current.maySign()) {
            throw new VaultException(
                    VaultException.Kind.INVALID, "Operation sign is not allowed on this key (" + current.keyId() + ")");
        }
        if (!algorithm.fits(current.publicKey())) {
            throw new VaultException(
                    VaultException.Kind.INVALID,
                    "Algorithm " + algorithm + " is not supported for key " + current.keyId());
        }
        if (digest == null || digest.length != algorithm.digestLength()) {
            throw new VaultException(
                    VaultException.Kind.INVALID,
                    "Invalid digest length for " + algorithm + ": " + (digest == null ? 0 : digest.length)
                            + " bytes, expected " + algorithm.digestLength());
        }
        byte[] signature = switch (algorithm.family()) {
            case RSA_PKCS1 -> signPkcs1(stored.privateKey(), algorithm, digest);
            case RSA_PSS -> signPss(stored.privateKey(), algorithm, digest);
            case ECDSA -> signEcdsa(stored.privateKey(), (ECPublicKey) current.publicKey(), digest);
        };
        return signatureTamper.apply(signature);
    }

    @Override
    public String getSecret(SecretReference reference) {
        enter(Operation.GET_SECRET);
        requireThisVault(reference.vaultUrl(), reference);
        List<String> versions = secrets.get(reference.name());
        if (versions == null) {
            throw notFound("SecretNotFound", reference);
        }
        synchronized (versions) {
            if (reference.version().isEmpty()) {
                return versions.get(versions.size() - 1);
            }
            for (int i = 0; i < versions.size(); i++) {
                if (secretVersionId(i).equals(reference.version().get())) {
                    return versions.get(i);
                }
            }
        }
        throw notFound("SecretNotFound", reference);
    }

    @Override
    public List<String> secretVersions(SecretReference reference) {
        enter(Operation.LIST_SECRET_VERSIONS);
        requireThisVault(reference.vaultUrl(), reference);
        List<String> versions = secrets.get(reference.name());
        if (versions == null) {
            throw notFound("SecretNotFound", reference);
        }
        List<String> ids = new ArrayList<>();
        synchronized (versions) {
            for (int i = versions.size() - 1; i >= 0; i--) {
                ids.add(secretVersionId(i));
            }
        }
        return ids;
    }

    @Override
    public String setSecret(SecretReference reference, String value, String contentType, Map<String, String> tags) {
        enter(Operation.SET_SECRET);
        requireThisVault(reference.vaultUrl(), reference);
        List<String> versions = secrets.computeIfAbsent(reference.name(), n -> new ArrayList<>());
        synchronized (versions) {
            versions.add(value);
            return reference.vaultUrl() + "/secrets/" + reference.name() + "/" + secretVersionId(versions.size() - 1);
        }
    }

    @Override
    public byte[] getCertificate(CertificateReference reference) {
        enter(Operation.GET_CERTIFICATE);
        requireThisVault(reference.vaultUrl(), reference);
        LinkedHashMap<String, byte[]> versions = certificates.get(reference.name());
        if (versions == null) {
            throw notFound("CertificateNotFound", reference);
        }
        synchronized (versions) {
            byte[] der = reference
                    .version()
                    .map(versions::get)
                    .orElseGet(
                            () -> versions.values().stream().reduce((a, b) -> b).orElse(null));
            if (der == null) {
                throw notFound("CertificateNotFound", reference);
            }
            return der.clone();
        }
    }

    // ---- internals

    private void enter(Operation operation) {
        calls.get(operation).incrementAndGet();
        VaultException next;
        synchronized (nextFail) {
            next = nextFail.get(operation).poll();
        }
        if (next != null) {
            throw next;
        }
        VaultException always = alwaysFail.get(operation);
        if (always != null) {
            throw always;
        }
    }

    private void requireThisVault(URI url, Object reference) {
        if (!vaultUrl.equals(url)) {
            throw new VaultException(
                    VaultException.Kind.UNAVAILABLE,
                    "no vault at " + url + " (this local vault is " + vaultUrl + "): " + reference);
        }
    }

    private static VaultException notFound(String code, Object reference) {
        return new VaultException(VaultException.Kind.NOT_FOUND, code + ": " + reference + " was not found");
    }

    private StoredKey findByKeyId(String keyId) {
        for (List<StoredKey> versions : keys.values()) {
            synchronized (versions) {
                for (StoredKey stored : versions) {
                    if (stored.key().keyId().equals(keyId)) {
                        return stored;
                    }
                }
            }
        }
        throw new VaultException(VaultException.Kind.NOT_FOUND, "KeyNotFound: " + keyId + " was not found");
    }

    private static byte[] signPkcs1(PrivateKey key, SignatureAlgorithm algorithm, byte[] digest) {
        try {
            byte[] digestInfo = new DigestInfo(new AlgorithmIdentifier(hashOid(algorithm), DERNull.INSTANCE), digest)
                    .getEncoded(ASN1Encoding.DER);
            Signature signer = Signature.getInstance("NONEwithRSA");
            signer.initSign(key);
            signer.update(digestInfo);
            return signer.sign();
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("local RSA signing failed", e);
        }
    }

    private byte[] signPss(PrivateKey key, SignatureAlgorithm algorithm, byte[] digest) {
        try {
            AsymmetricKeyParameter parameters = PrivateKeyFactory.createKey(key.getEncoded());
            PSSSigner signer = PSSSigner.createRawSigner(
                    new RSABlindedEngine(),
                    digest(algorithm),
                    digest(algorithm),
                    algorithm.digestLength(),
                    PSSSigner.TRAILER_IMPLICIT);
            signer.init(true, new ParametersWithRandom(parameters, random));
            signer.update(digest, 0, digest.length);
            return signer.generateSignature();
        } catch (IOException | CryptoException e) {
            throw new IllegalStateException("local PSS signing failed", e);
        }
    }

    private static byte[] signEcdsa(PrivateKey key, ECPublicKey publicKey, byte[] digest) {
        try {
            Signature signer = Signature.getInstance("NONEwithECDSA");
            signer.initSign(key);
            signer.update(digest);
            return EcdsaSignatures.derToRaw(signer.sign(), EcdsaSignatures.fieldBytes(publicKey));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("local ECDSA signing failed", e);
        }
    }

    private static ASN1ObjectIdentifier hashOid(SignatureAlgorithm algorithm) {
        return switch (algorithm.digestLength()) {
            case 32 -> NISTObjectIdentifiers.id_sha256;
            case 48 -> NISTObjectIdentifiers.id_sha384;
            default -> NISTObjectIdentifiers.id_sha512;
        };
    }

    private static Digest digest(SignatureAlgorithm algorithm) {
        return switch (algorithm.digestLength()) {
            case 32 -> new SHA256Digest();
            case 48 -> new SHA384Digest();
            default -> new SHA512Digest();
        };
    }

    private List<StoredKey> versions(String name) {
        List<StoredKey> versions = keys.get(name);
        if (versions == null) {
            throw new IllegalArgumentException("no key named " + name);
        }
        return versions;
    }
}
