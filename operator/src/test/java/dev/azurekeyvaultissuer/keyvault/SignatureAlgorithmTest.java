package dev.azurekeyvaultissuer.keyvault;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.azurekeyvaultissuer.testing.TestKeyPairs;
import java.security.PublicKey;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The signature algorithm (README, "The API"): chosen from the CA key when the issuer names none, and what may be named. */
class SignatureAlgorithmTest {

    private static PublicKey key(String type) {
        return type.startsWith("RSA-")
                ? TestKeyPairs.rsa(Integer.parseInt(type.substring(4))).getPublic()
                : TestKeyPairs.ec(type).getPublic();
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({"RSA-2048, RS256", "RSA-3072, RS384", "RSA-4096, RS512", "P-256, ES256", "P-384, ES384", "P-521, ES512"
    })
    void theDefaultFollowsTheKeySize(String keyType, SignatureAlgorithm expected) {
        assertEquals(expected, SignatureAlgorithm.defaultFor(key(keyType)));
        assertTrue(expected.fits(key(keyType)));
    }

    @ParameterizedTest(name = "{0} with {1}: {2}")
    @CsvSource({
        "RSA-2048, PS256, true",
        "RSA-2048, PS512, true",
        "RSA-4096, RS256, true",
        "RSA-3072, PS384, true",
        "RSA-2048, ES256, false",
        "P-256, ES384, false",
        "P-384, ES256, false",
        "P-521, ES512, true",
        "P-256, RS256, false",
        "P-256, PS256, false"
    })
    void whatAnIssuerMayChoose(String keyType, SignatureAlgorithm algorithm, boolean fits) {
        assertEquals(fits, algorithm.fits(key(keyType)));
    }

    @Test
    void namesParseCaseInsensitivelyAndUnknownOnesListTheChoices() {
        assertEquals(Optional.of(SignatureAlgorithm.PS384), SignatureAlgorithm.parse(" ps384 "));
        assertEquals(Optional.empty(), SignatureAlgorithm.parse(""));
        var e = assertThrows(IllegalArgumentException.class, () -> SignatureAlgorithm.parse("EdDSA"));
        assertTrue(e.getMessage().contains("RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512"));
    }

    @Test
    void edwardsKeysCannotBeCaKeysInKeyVault() {
        assertThrows(
                IllegalArgumentException.class,
                () -> SignatureAlgorithm.defaultFor(TestKeyPairs.ed25519().getPublic()));
        assertFalse(SignatureAlgorithm.ES256.fits(TestKeyPairs.ed25519().getPublic()));
    }
}
