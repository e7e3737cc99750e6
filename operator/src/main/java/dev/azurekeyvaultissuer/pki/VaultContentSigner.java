package dev.azurekeyvaultissuer.pki;

import dev.azurekeyvaultissuer.keyvault.KeyVault;
import dev.azurekeyvaultissuer.keyvault.SignatureAlgorithm;
import dev.azurekeyvaultissuer.keyvault.VaultKey;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.util.Objects;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.operator.ContentSigner;

/**
 * A BouncyCastle {@link ContentSigner} whose private key stays in the vault. BouncyCastle writes the DER to be
 * signed (a TBSCertificate or CertificationRequestInfo) into {@link #getOutputStream()}; {@link #getSignature()}
 * hashes it locally, makes exactly one vault call, {@code sign(digest)}, turns ECDSA's raw {@code r||s} into DER and
 * verifies the result with the key's public key before handing it back. A signature that does not verify throws
 * {@link SignatureMismatchException}; vault failures propagate as they are ({@code VaultException}).
 *
 * <p>One instance signs one structure: BouncyCastle creates the stream, writes, then asks for the signature once.
 */
public final class VaultContentSigner implements ContentSigner {

    private final KeyVault vault;
    private final VaultKey key;
    private final SignatureAlgorithm algorithm;
    private final AlgorithmIdentifier algorithmIdentifier;
    private final ByteArrayOutputStream toBeSigned = new ByteArrayOutputStream(2048);
    private boolean signed;

    /**
     * @throws IllegalArgumentException when the algorithm does not fit the key (RS and PS need RSA, ES256 P-256,
     *     ES384 P-384, ES512 P-521)
     */
    public VaultContentSigner(KeyVault vault, VaultKey key, SignatureAlgorithm algorithm) {
        this.vault = Objects.requireNonNull(vault, "vault");
        this.key = Objects.requireNonNull(key, "key");
        this.algorithm = Objects.requireNonNull(algorithm, "algorithm");
        requireFits(algorithm, key.publicKey());
        this.algorithmIdentifier = JcaSignatures.identifier(algorithm);
    }

    /** Refuses an algorithm the key cannot make, with a message that names both. */
    static void requireFits(SignatureAlgorithm algorithm, PublicKey key) {
        PublicKeys.unsupportedCaKey(key).ifPresent(problem -> {
            throw new IllegalArgumentException("the CA key is " + problem + ": it cannot sign certificates here");
        });
        if (!algorithm.fits(key)) {
            throw new IllegalArgumentException("signature algorithm " + algorithm + " does not fit the CA key ("
                    + PublicKeys.describe(key) + "): RS* and PS* need an RSA key, ES256 a P-256, ES384 a P-384 and"
                    + " ES512 a P-521 key");
        }
    }

    @Override
    public AlgorithmIdentifier getAlgorithmIdentifier() {
        return algorithmIdentifier;
    }

    @Override
    public OutputStream getOutputStream() {
        return toBeSigned;
    }

    @Override
    public byte[] getSignature() {
        if (signed) {
            throw new IllegalStateException("a VaultContentSigner signs once; create a new one per structure");
        }
        signed = true;
        byte[] data = toBeSigned.toByteArray();
        byte[] digest = digest(data);
        byte[] fromVault = vault.sign(key, algorithm, digest);
        byte[] signature;
        if (algorithm.family() == SignatureAlgorithm.Family.ECDSA) {
            int expected = 2 * EcdsaSignatures.fieldBytes((ECPublicKey) key.publicKey());
            if (fromVault == null || fromVault.length != expected) {
                throw new SignatureMismatchException("the vault returned a " + algorithm + " signature of "
                        + (fromVault == null ? 0 : fromVault.length) + " bytes for key " + key.keyId()
                        + ", expected " + expected + " (raw r||s)");
            }
            try {
                signature = EcdsaSignatures.rawToDer(fromVault);
            } catch (IllegalArgumentException e) {
                throw new SignatureMismatchException(
                        "the vault returned an invalid " + algorithm + " signature for key " + key.keyId() + ": "
                                + e.getMessage(),
                        e);
            }
        } else {
            signature = fromVault == null ? new byte[0] : fromVault.clone();
        }
        if (!JcaSignatures.verify(algorithm, key.publicKey(), data, signature)) {
            throw new SignatureMismatchException("the vault's " + algorithm + " signature does not verify with the"
                    + " public key of " + key.keyId() + ": nothing was issued; the key may have changed in the vault");
        }
        return signature;
    }

    private byte[] digest(byte[] data) {
        try {
            return MessageDigest.getInstance(algorithm.digestAlgorithm()).digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK lacks " + algorithm.digestAlgorithm(), e);
        }
    }
}
