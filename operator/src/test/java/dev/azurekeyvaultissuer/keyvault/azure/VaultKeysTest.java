package dev.azurekeyvaultissuer.keyvault.azure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.azure.security.keyvault.keys.models.JsonWebKey;
import com.azure.security.keyvault.keys.models.KeyCurveName;
import com.azure.security.keyvault.keys.models.KeyOperation;
import com.azure.security.keyvault.keys.models.KeyType;
import dev.azurekeyvaultissuer.keyvault.VaultException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.util.List;
import org.junit.jupiter.api.Test;

class VaultKeysTest {

    @Test
    void ecPublicKeysOnEveryNistCurve() throws Exception {
        for (var curve : List.of(KeyCurveName.P_256, KeyCurveName.P_384, KeyCurveName.P_521)) {
            String jdkName = switch (curve.toString()) {
                case "P-256" -> "secp256r1";
                case "P-384" -> "secp384r1";
                default -> "secp521r1";
            };
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec(jdkName));
            KeyPair pair = generator.generateKeyPair();
            ECPublicKey expected = (ECPublicKey) pair.getPublic();
            JsonWebKey jwk = new JsonWebKey()
                    .setKeyType(KeyType.EC_HSM)
                    .setCurveName(curve)
                    .setX(unsigned(expected.getW().getAffineX().toByteArray()))
                    .setY(unsigned(expected.getW().getAffineY().toByteArray()))
                    .setKeyOps(List.of(KeyOperation.SIGN));

            var actual = VaultKeys.publicKey(jwk, "https://v/keys/ca/1");

            assertEquals(expected, actual);
        }
    }

    @Test
    void secp256k1IsRefusedWithAMessage() {
        JsonWebKey jwk = new JsonWebKey()
                .setKeyType(KeyType.EC)
                .setCurveName(KeyCurveName.P_256K)
                .setX(new byte[32])
                .setY(new byte[32]);

        var e = assertThrows(VaultException.class, () -> VaultKeys.publicKey(jwk, "https://v/keys/ca/1"));

        assertEquals(VaultException.Kind.INVALID, e.kind());
        assertEquals(
                "key https://v/keys/ca/1 uses the curve P-256K: a CA key must be on P-256, P-384 or P-521",
                e.getMessage());
    }

    @Test
    void symmetricKeysAreRefused() {
        JsonWebKey jwk = new JsonWebKey().setKeyType(KeyType.OCT_HSM).setK(new byte[32]);

        var e = assertThrows(VaultException.class, () -> VaultKeys.publicKey(jwk, "https://v/keys/ca/1"));

        assertEquals(VaultException.Kind.INVALID, e.kind());
    }

    private static byte[] unsigned(byte[] twosComplement) {
        return twosComplement[0] == 0
                ? java.util.Arrays.copyOfRange(twosComplement, 1, twosComplement.length)
                : twosComplement;
    }
}
