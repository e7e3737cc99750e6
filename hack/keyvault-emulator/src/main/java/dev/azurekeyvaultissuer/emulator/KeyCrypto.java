package dev.azurekeyvaultissuer.emulator;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.RSAKeyGenParameterSpec;
import java.util.HexFormat;
import org.bouncycastle.crypto.CryptoException;
import org.bouncycastle.crypto.Digest;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.digests.SHA384Digest;
import org.bouncycastle.crypto.digests.SHA512Digest;
import org.bouncycastle.crypto.engines.RSABlindedEngine;
import org.bouncycastle.crypto.params.ParametersWithRandom;
import org.bouncycastle.crypto.signers.PSSSigner;
import org.bouncycastle.crypto.util.PrivateKeyFactory;
import org.bouncycastle.crypto.util.PublicKeyFactory;

/**
 * Key generation, public JWKs and the sign/verify operations of Key Vault: they take a digest (never the message), check
 * its length against the algorithm, and return ECDSA signatures as raw r||s.
 */
final class KeyCrypto {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final HexFormat HEX = HexFormat.of();
    private static final byte[] SHA256_PREFIX = HEX.parseHex("3031300d060960864801650304020105000420");
    private static final byte[] SHA384_PREFIX = HEX.parseHex("3041300d060960864801650304020205000430");
    private static final byte[] SHA512_PREFIX = HEX.parseHex("3051300d060960864801650304020305000440");

    private KeyCrypto() {}

    static KeyPair generate(KeyType type) {
        try {
            if (type.isRsa()) {
                KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
                g.initialize(new RSAKeyGenParameterSpec(type.size(), RSAKeyGenParameterSpec.F4), RANDOM);
                return g.generateKeyPair();
            }
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec(jcaCurve(type.curve())), RANDOM);
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot generate " + type + " key", e);
        }
    }

    static String jcaCurve(String crv) {
        return switch (crv) {
            case "P-256" -> "secp256r1";
            case "P-384" -> "secp384r1";
            case "P-521" -> "secp521r1";
            default -> throw new IllegalArgumentException(crv);
        };
    }

    /** Byte length of one EC coordinate (and of r or s): 32, 48 or 66. */
    static int coordinateLength(String crv) {
        return switch (crv) {
            case "P-256" -> 32;
            case "P-384" -> 48;
            case "P-521" -> 66;
            default -> throw new IllegalArgumentException(crv);
        };
    }

    /** The public members of the key as JWK fields: n and e, or crv, x and y. */
    static void putPublicJwk(ObjectNode jwk, KeyType type, PublicKey key) {
        if (type.isRsa()) {
            RSAPublicKey rsa = (RSAPublicKey) key;
            jwk.put("n", Json.b64url(Json.unsigned(rsa.getModulus(), 0)));
            jwk.put("e", Json.b64url(Json.unsigned(rsa.getPublicExponent(), 0)));
        } else {
            ECPublicKey ec = (ECPublicKey) key;
            int len = coordinateLength(type.curve());
            jwk.put("crv", type.curve());
            jwk.put("x", Json.b64url(Json.unsigned(ec.getW().getAffineX(), len)));
            jwk.put("y", Json.b64url(Json.unsigned(ec.getW().getAffineY(), len)));
        }
    }

    /** Checks that the algorithm suits the key and that the digest has the algorithm's hash length. */
    static void check(KeyType type, String alg, byte[] digest, String parameter) {
        if (alg == null) {
            throw ErrorResponses.badParameter("Property 'alg' is required.");
        }
        int hashLength = hashLength(alg);
        boolean rsaAlg = alg.startsWith("RS") || alg.startsWith("PS");
        if (rsaAlg != type.isRsa()
                || !rsaAlg
                        && !alg.equals(
                                switch (type.curve()) {
                                    case "P-256" -> "ES256";
                                    case "P-384" -> "ES384";
                                    default -> "ES512";
                                })) {
            throw ErrorResponses.badParameter("Key and signing algorithm are incompatible: algorithm " + alg
                    + " cannot be used with a " + type.kty() + (type.isRsa() ? "" : " " + type.curve()) + " key.");
        }
        if (digest.length != hashLength) {
            throw ErrorResponses.badParameter("Invalid length of '" + parameter + "': " + digest.length + " bytes. "
                    + alg + " requires " + hashLength + " bytes, encoded with base64url.");
        }
    }

    private static int hashLength(String alg) {
        return switch (alg) {
            case "RS256", "PS256", "ES256" -> 32;
            case "RS384", "PS384", "ES384" -> 48;
            case "RS512", "PS512", "ES512" -> 64;
            default ->
                throw ErrorResponses.badParameter(
                        "Invalid algorithm '" + alg + "'. Supported: RS256, RS384,"
                                + " RS512, PS256, PS384, PS512, ES256, ES384, ES512 (ES256K is not supported by keyvault-emulator).");
        };
    }

    static byte[] sign(KeyType type, PrivateKey key, String alg, byte[] digest) {
        check(type, alg, digest, "value");
        try {
            if (alg.startsWith("RS")) {
                Signature s = Signature.getInstance("NONEwithRSA");
                s.initSign(key);
                s.update(digestInfo(alg, digest));
                return s.sign();
            }
            if (alg.startsWith("PS")) {
                PSSSigner signer = pss(alg);
                signer.init(true, new ParametersWithRandom(PrivateKeyFactory.createKey(key.getEncoded()), RANDOM));
                signer.update(digest, 0, digest.length);
                return signer.generateSignature();
            }
            Signature s = Signature.getInstance("NONEwithECDSAinP1363Format");
            s.initSign(key, RANDOM);
            s.update(digest);
            return s.sign();
        } catch (GeneralSecurityException | CryptoException | java.io.IOException e) {
            throw new IllegalStateException("signing failed", e);
        }
    }

    static boolean verify(KeyType type, PublicKey key, String alg, byte[] digest, byte[] signature) {
        check(type, alg, digest, "digest");
        try {
            if (alg.startsWith("RS")) {
                Signature s = Signature.getInstance("NONEwithRSA");
                s.initVerify(key);
                s.update(digestInfo(alg, digest));
                return s.verify(signature);
            }
            if (alg.startsWith("PS")) {
                PSSSigner signer = pss(alg);
                signer.init(false, PublicKeyFactory.createKey(key.getEncoded()));
                signer.update(digest, 0, digest.length);
                return signer.verifySignature(signature);
            }
            if (signature.length != 2 * coordinateLength(type.curve())) {
                return false;
            }
            Signature s = Signature.getInstance("NONEwithECDSAinP1363Format");
            s.initVerify(key);
            s.update(digest);
            return s.verify(signature);
        } catch (GeneralSecurityException | java.io.IOException | RuntimeException e) {
            return false;
        }
    }

    private static PSSSigner pss(String alg) {
        Digest content = digest(alg);
        return PSSSigner.createRawSigner(
                new RSABlindedEngine(), content, digest(alg), content.getDigestSize(), PSSSigner.TRAILER_IMPLICIT);
    }

    private static Digest digest(String alg) {
        return switch (alg.substring(2)) {
            case "256" -> new SHA256Digest();
            case "384" -> new SHA384Digest();
            default -> new SHA512Digest();
        };
    }

    private static byte[] digestInfo(String alg, byte[] digest) {
        byte[] prefix = switch (alg.substring(2)) {
            case "256" -> SHA256_PREFIX;
            case "384" -> SHA384_PREFIX;
            default -> SHA512_PREFIX;
        };
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(prefix);
        out.writeBytes(digest);
        return out.toByteArray();
    }

    /** A Key Vault object version: 32 lowercase hex characters. */
    static String newVersion() {
        byte[] b = new byte[16];
        RANDOM.nextBytes(b);
        return HEX.formatHex(b);
    }

    static BigInteger randomSerial() {
        return new BigInteger(127, RANDOM).add(BigInteger.ONE);
    }
}
