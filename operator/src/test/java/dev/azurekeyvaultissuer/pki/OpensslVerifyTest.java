package dev.azurekeyvaultissuer.pki;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.azurekeyvaultissuer.keyvault.SignatureAlgorithm;
import dev.azurekeyvaultissuer.testing.CsrBuilder;
import dev.azurekeyvaultissuer.testing.TestKeyPairs;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a TLS client would run: {@code openssl verify -x509_strict} accepts the status fields as issued. */
class OpensslVerifyTest {

    private static Optional<Path> openssl = Optional.empty();

    @TempDir
    Path directory;

    @BeforeAll
    static void findOpenssl() {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(java.io.File.pathSeparator)) {
            Path candidate = Path.of(dir, "openssl");
            if (Files.isExecutable(candidate)) {
                openssl = Optional.of(candidate);
                return;
            }
        }
    }

    @Test
    void leafUnderAnIntermediateVerifiesWithTheChainAsIssued() throws Exception {
        PkiFixtures.TestCa ca = PkiFixtures.intermediateCa("RSA-2048", "P-384");
        String csr = CsrBuilder.forKey(TestKeyPairs.ec("P-256"))
                .subject("CN=web")
                .dns("web.example.com")
                .ip("192.0.2.10")
                .usages(List.of("digital signature", "key encipherment", "server auth"), false)
                .pem();

        IssuedCertificate issued = ca.issuer()
                .issue(
                        new LeafRequest(
                                csr,
                                Optional.empty(),
                                false,
                                List.of("digital signature", "key encipherment", "server auth")),
                        ca.authority(),
                        ca.key(),
                        SignatureAlgorithm.PS256);

        List<String> certificates = split(issued.certificatePem());
        assertEquals(2, certificates.size(), "leaf and intermediate");
        Path leaf = write("leaf.pem", certificates.get(0));
        Path chain = write("chain.pem", String.join("", certificates.subList(1, certificates.size())));
        Path root = write("root.pem", issued.caPem());
        assertVerifies(List.of(
                "-CAfile", root.toString(), "-untrusted", chain.toString(), "-purpose", "sslserver", leaf.toString()));
    }

    @Test
    void ed25519LeafWithOnlySansUnderAnEcRootVerifies() throws Exception {
        PkiFixtures.TestCa ca = PkiFixtures.rootCa("P-384");
        String csr = CsrBuilder.forKey(TestKeyPairs.ed25519())
                .subject("")
                .uri("spiffe://example.org/app")
                .email("app@example.org")
                .pem();

        IssuedCertificate issued = ca.issue(csr);

        Path leaf = write("leaf.pem", issued.certificatePem());
        Path root = write("root.pem", issued.caPem());
        assertVerifies(List.of("-CAfile", root.toString(), leaf.toString()));
    }

    private void assertVerifies(List<String> arguments) throws IOException, InterruptedException {
        assumeTrue(openssl.isPresent(), "openssl is not on PATH");
        List<String> command = new ArrayList<>(List.of(
                openssl.get().toString(),
                "verify",
                "-x509_strict",
                "-attime",
                Long.toString(PkiFixtures.NOW.getEpochSecond() + 60)));
        command.addAll(arguments);
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        assertTrue(process.waitFor(30, TimeUnit.SECONDS), "openssl finished");
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, process.exitValue(), output);
        assertTrue(output.contains(": OK"), output);
    }

    private Path write(String name, String content) throws IOException {
        return Files.writeString(directory.resolve(name), content);
    }

    private static List<String> split(String pem) {
        List<String> blocks = new ArrayList<>();
        for (String part : pem.split("(?<=-----END CERTIFICATE-----\n)")) {
            if (!part.isBlank()) {
                blocks.add(part);
            }
        }
        return blocks;
    }
}
