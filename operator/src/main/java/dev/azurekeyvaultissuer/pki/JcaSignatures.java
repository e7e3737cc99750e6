package dev.azurekeyvaultissuer.pki;

import dev.azurekeyvaultissuer.keyvault.SignatureAlgorithm;
import java.io.IOException;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.edec.EdECObjectIdentifiers;
import org.bouncycastle.asn1.nist.NISTObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.RSASSAPSSparams;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.operator.DefaultAlgorithmNameFinder;
import org.bouncycastle.operator.DefaultSignatureAlgorithmIdentifierFinder;

/**
 * Signature algorithms between their X.509 identifiers, Key Vault's names and the JDK's verifiers. Verification
 * always runs on the JDK's own providers: BouncyCastle's JCA helpers ask for names such as
 * {@code SHA256WITHRSAANDMGF1} that only the BC provider knows, and that provider is not registered here.
 */
final class JcaSignatures {

    private static final DefaultSignatureAlgorithmIdentifierFinder IDENTIFIERS =
            new DefaultSignatureAlgorithmIdentifierFinder();

    // What a CSR may be signed with: SHA-2 family only (SHA-1 and MD5 signatures are forgeable or on the way).
    private static final Map<ASN1ObjectIdentifier, String> CSR_ALGORITHMS = Map.of(
            PKCSObjectIdentifiers.sha256WithRSAEncryption, "SHA256withRSA",
            PKCSObjectIdentifiers.sha384WithRSAEncryption, "SHA384withRSA",
            PKCSObjectIdentifiers.sha512WithRSAEncryption, "SHA512withRSA",
            X9ObjectIdentifiers.ecdsa_with_SHA256, "SHA256withECDSA",
            X9ObjectIdentifiers.ecdsa_with_SHA384, "SHA384withECDSA",
            X9ObjectIdentifiers.ecdsa_with_SHA512, "SHA512withECDSA",
            EdECObjectIdentifiers.id_Ed25519, "Ed25519");

    // The ECDSA ones among them, with their hash, for EcdsaVerifier.
    private static final Map<ASN1ObjectIdentifier, String> CSR_ECDSA_DIGESTS = Map.of(
            X9ObjectIdentifiers.ecdsa_with_SHA256, "SHA-256",
            X9ObjectIdentifiers.ecdsa_with_SHA384, "SHA-384",
            X9ObjectIdentifiers.ecdsa_with_SHA512, "SHA-512");

    private static final Set<ASN1ObjectIdentifier> PSS_DIGESTS =
            Set.of(NISTObjectIdentifiers.id_sha256, NISTObjectIdentifiers.id_sha384, NISTObjectIdentifiers.id_sha512);

    private JcaSignatures() {}

    /** The X.509 AlgorithmIdentifier of a Key Vault algorithm; PS* carry explicit PSS parameters, salt = hash. */
    static AlgorithmIdentifier identifier(SignatureAlgorithm algorithm) {
        String name = switch (algorithm) {
            case RS256 -> "SHA256WITHRSA";
            case RS384 -> "SHA384WITHRSA";
            case RS512 -> "SHA512WITHRSA";
            case PS256 -> "SHA256WITHRSAANDMGF1";
            case PS384 -> "SHA384WITHRSAANDMGF1";
            case PS512 -> "SHA512WITHRSAANDMGF1";
            case ES256 -> "SHA256WITHECDSA";
            case ES384 -> "SHA384WITHECDSA";
            case ES512 -> "SHA512WITHECDSA";
        };
        return IDENTIFIERS.find(name);
    }

    /**
     * Verifies a signature made with a Key Vault algorithm (DER for ECDSA) with a CA key: ECDSA on the NIST curves
     * with {@link EcdsaVerifier} (the key is kept, it verifies every certificate of its issuer), the rest with the JDK.
     */
    static boolean verify(SignatureAlgorithm algorithm, PublicKey key, byte[] data, byte[] signature) {
        try {
            if (algorithm.family() == SignatureAlgorithm.Family.ECDSA) {
                Optional<Boolean> verified =
                        EcdsaVerifier.verify(key, algorithm.digestAlgorithm(), data, signature, true);
                if (verified.isPresent()) {
                    return verified.get();
                }
            }
            Signature verifier;
            String hash = algorithm.digestAlgorithm().replace("-", "");
            switch (algorithm.family()) {
                case RSA_PKCS1 -> verifier = Signature.getInstance(hash + "withRSA");
                case RSA_PSS -> {
                    verifier = Signature.getInstance("RSASSA-PSS");
                    verifier.setParameter(new PSSParameterSpec(
                            algorithm.digestAlgorithm(),
                            "MGF1",
                            new MGF1ParameterSpec(algorithm.digestAlgorithm()),
                            algorithm.digestLength(),
                            1));
                }
                case ECDSA -> verifier = Signature.getInstance(hash + "withECDSA");
                default -> throw new IllegalStateException("unknown family " + algorithm.family());
            }
            verifier.initVerify(key);
            verifier.update(data);
            return verifier.verify(signature);
        } catch (GeneralSecurityException | RuntimeException e) {
            return false;
        }
    }

    /**
     * Verifies a CSR's self-signature: ECDSA on the NIST curves with {@link EcdsaVerifier}, the rest with the JDK.
     *
     * @return empty when the signature algorithm is not one a CSR may use, else whether it verifies
     */
    static Optional<Boolean> verifyCsrSignature(
            AlgorithmIdentifier algorithm, PublicKey key, byte[] data, byte[] signature) {
        Signature verifier;
        try {
            ASN1ObjectIdentifier oid = algorithm.getAlgorithm();
            if (PKCSObjectIdentifiers.id_RSASSA_PSS.equals(oid)) {
                RSASSAPSSparams params = RSASSAPSSparams.getInstance(algorithm.getParameters());
                if (params == null
                        || !PSS_DIGESTS.contains(params.getHashAlgorithm().getAlgorithm())) {
                    return Optional.empty();
                }
                AlgorithmParameters parameters = AlgorithmParameters.getInstance("RSASSA-PSS");
                parameters.init(params.getEncoded(ASN1Encoding.DER));
                verifier = Signature.getInstance("RSASSA-PSS");
                verifier.setParameter(parameters.getParameterSpec(PSSParameterSpec.class));
            } else if (CSR_ALGORITHMS.containsKey(oid)) {
                verifier = Signature.getInstance(CSR_ALGORITHMS.get(oid));
            } else {
                return Optional.empty();
            }
        } catch (GeneralSecurityException | IOException | RuntimeException e) {
            return Optional.empty();
        }
        try {
            String ecdsaDigest = CSR_ECDSA_DIGESTS.get(algorithm.getAlgorithm());
            if (ecdsaDigest != null) {
                Optional<Boolean> verified = EcdsaVerifier.verify(key, ecdsaDigest, data, signature, false);
                if (verified.isPresent()) {
                    return verified;
                }
            }
            verifier.initVerify(key);
            verifier.update(data);
            return Optional.of(verifier.verify(signature));
        } catch (GeneralSecurityException | RuntimeException e) {
            return Optional.of(false);
        }
    }

    /** A readable name for an algorithm identifier, e.g. {@code SHA1WITHRSA}, else its OID. */
    static String name(AlgorithmIdentifier algorithm) {
        try {
            return new DefaultAlgorithmNameFinder().getAlgorithmName(algorithm);
        } catch (RuntimeException e) {
            return algorithm.getAlgorithm().getId();
        }
    }
}
