package dev.azurekeyvaultissuer.testing;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Provider;
import java.security.spec.ECGenParameterSpec;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.bouncycastle.jce.provider.BouncyCastleProvider;

/**
 * Key pairs for tests, generated once per JVM and shared (RSA 4096 takes seconds to generate). Keys the JDK cannot
 * make (secp256k1, P-224) come from a BouncyCastle provider instance that is used explicitly, never registered.
 * Need a key nobody else has? Use {@link #fresh}.
 */
public final class TestKeyPairs {

    private static final Provider BOUNCY_CASTLE = new BouncyCastleProvider();
    private static final Map<String, KeyPair> CACHE = new ConcurrentHashMap<>();

    private TestKeyPairs() {}

    /** The BouncyCastle provider instance tests may pass to JCA builders explicitly. */
    public static Provider bouncyCastle() {
        return BOUNCY_CASTLE;
    }

    public static KeyPair rsa(int bits) {
        return CACHE.computeIfAbsent("RSA-" + bits, k -> fresh("RSA-" + bits));
    }

    /** EC on a NIST curve by its Key Vault name: {@code P-256}, {@code P-384}, {@code P-521}. */
    public static KeyPair ec(String curve) {
        return CACHE.computeIfAbsent(curve, k -> fresh(curve));
    }

    public static KeyPair ed25519() {
        return CACHE.computeIfAbsent("Ed25519", TestKeyPairs::fresh);
    }

    public static KeyPair ed448() {
        return CACHE.computeIfAbsent("Ed448", TestKeyPairs::fresh);
    }

    public static KeyPair dsa() {
        return CACHE.computeIfAbsent("DSA", TestKeyPairs::fresh);
    }

    /** An EC key on any curve BouncyCastle knows, e.g. {@code secp256k1}, {@code secp224r1}. */
    public static KeyPair bcEc(String curveName) {
        return CACHE.computeIfAbsent("bc:" + curveName, TestKeyPairs::fresh);
    }

    /**
     * A new key pair every call: {@code RSA-<bits>}, {@code P-256}/{@code P-384}/{@code P-521}, {@code Ed25519},
     * {@code Ed448}, {@code DSA}, or {@code bc:<curve name>}.
     */
    public static KeyPair fresh(String kind) {
        try {
            if (kind.startsWith("RSA-")) {
                KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
                generator.initialize(Integer.parseInt(kind.substring(4)));
                return generator.generateKeyPair();
            }
            if (kind.startsWith("bc:")) {
                KeyPairGenerator generator = KeyPairGenerator.getInstance("EC", BOUNCY_CASTLE);
                generator.initialize(new ECGenParameterSpec(kind.substring(3)));
                return generator.generateKeyPair();
            }
            switch (kind) {
                case "P-256", "P-384", "P-521" -> {
                    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
                    generator.initialize(new ECGenParameterSpec("secp" + kind.substring(2) + "r1"));
                    return generator.generateKeyPair();
                }
                case "Ed25519", "Ed448" -> {
                    return KeyPairGenerator.getInstance(kind).generateKeyPair();
                }
                case "DSA" -> {
                    KeyPairGenerator generator = KeyPairGenerator.getInstance("DSA");
                    generator.initialize(2048);
                    return generator.generateKeyPair();
                }
                default -> throw new IllegalArgumentException("unknown key kind " + kind);
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot generate a " + kind + " key", e);
        }
    }
}
