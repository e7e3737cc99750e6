package dev.azurekeyvaultissuer.keyvault;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.azurekeyvaultissuer.testing.TestKeyPairs;
import java.security.PublicKey;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Azure's published per-vault limits per 10 s, as weights relative to 4,000 software RSA-2048/EC transactions. */
class TransactionWeightTest {

    @ParameterizedTest(name = "{0} hsm={1}: {2}")
    @CsvSource({
        "RSA-2048, false, 1", "RSA-2048, true, 2",
        "RSA-3072, false, 4", "RSA-3072, true, 8",
        "RSA-4096, false, 8", "RSA-4096, true, 16",
        "P-256, false, 1", "P-256, true, 2",
        "P-384, false, 1", "P-521, true, 2"
    })
    void signWeighsAsAzureCountsIt(String keyType, boolean hsm, int weight) {
        PublicKey publicKey = keyType.startsWith("RSA-")
                ? TestKeyPairs.rsa(Integer.parseInt(keyType.substring(4))).getPublic()
                : TestKeyPairs.ec(keyType).getPublic();
        VaultKey key = new VaultKey(
                "https://contoso.vault.azure.net/keys/ca/0123456789abcdef",
                publicKey,
                hsm,
                Set.of("sign"),
                true,
                Optional.empty(),
                Optional.empty());

        assertEquals(weight, TransactionWeight.ofSign(key));
    }
}
