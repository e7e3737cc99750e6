package dev.azurekeyvaultissuer.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** crds/ is checked in for kubectl, kustomize and the chart: the build fails when it drifts from the API classes. */
class CrdsUpToDateTest {

    @ParameterizedTest
    @ValueSource(strings = {"issuers.azure-keyvault-issuer.dev", "clusterissuers.azure-keyvault-issuer.dev"})
    void checkedInCrdMatchesTheGeneratedOne(String name) throws IOException {
        Path generated = Path.of("target/classes/META-INF/fabric8", name + "-v1.yml");
        Path checkedIn = Path.of("..", "crds", name + ".yaml");
        assertTrue(Files.exists(generated), "the build did not generate " + generated);
        assertEquals(Files.readString(generated), Files.readString(checkedIn),
                checkedIn + " is stale: run `make crds` and commit the result");
    }
}
