package dev.azurekeyvaultissuer.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * crds/ is checked in for kubectl, kustomize and the chart: the build fails when it drifts from the API classes.
 * {@code make crds} runs this class with {@code -Dcrds.update=true}, which writes crds/ instead of comparing.
 */
class CrdsUpToDateTest {

    private static final Path CRDS = Path.of("..", "crds");
    private static Map<String, String> generated;

    @BeforeAll
    static void generate() throws IOException {
        generated = CrdGeneration.generate();
        if (Boolean.getBoolean("crds.update")) {
            for (var crd : generated.entrySet()) {
                Files.writeString(CRDS.resolve(crd.getKey() + ".yaml"), crd.getValue());
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"issuers.azure-keyvault-issuer.dev", "clusterissuers.azure-keyvault-issuer.dev"})
    void checkedInCrdMatchesTheGeneratedOne(String name) throws IOException {
        String crd = generated.get(name);
        assertNotNull(crd, "the generator made no CRD " + name + ", only " + generated.keySet());
        Path checkedIn = CRDS.resolve(name + ".yaml");
        assertEquals(crd, Files.readString(checkedIn), checkedIn + " is stale: run `make crds` and commit the result");
    }

    @Test
    void printerColumnsComeInTheOrderTheApiClassesDeclare() {
        for (String name : List.of("issuers.azure-keyvault-issuer.dev", "clusterissuers.azure-keyvault-issuer.dev")) {
            String crd = generated.get(name);
            int ready = crd.indexOf("name: \"Ready\"");
            int reason = crd.indexOf("name: \"Reason\"");
            int keyId = crd.indexOf("name: \"KeyID\"");
            int age = crd.indexOf("name: \"Age\"");
            assertEquals(
                    List.of(true, true, true),
                    List.of(0 < ready && ready < reason, reason < keyId, keyId < age),
                    name + " lists its printer columns as Ready, Reason, KeyID, Age");
        }
    }
}
