package dev.azurekeyvaultissuer.pki;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.azurekeyvaultissuer.keyvault.SignatureAlgorithm;
import dev.azurekeyvaultissuer.testing.CsrBuilder;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.Certificate;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every CA key Key Vault offers for signing, with every algorithm that fits it, issuing for RSA, EC and Ed25519
 * leaves: the result validates with the JDK's PKIX validator against the root, one vault call per certificate.
 */
class LeafCertificateMatrixTest {

    private static final List<String> CA_KEYS = List.of("RSA-2048", "RSA-3072", "RSA-4096", "P-256", "P-384", "P-521");
    private static final List<String> LEAF_KEYS = List.of("RSA-2048", "P-256", "Ed25519");
    private static final Map<String, PkiFixtures.TestCa> CAS = new ConcurrentHashMap<>();

    static Stream<Arguments> matrix() {
        List<Arguments> cases = new ArrayList<>();
        for (String caKey : CA_KEYS) {
            for (SignatureAlgorithm algorithm : SignatureAlgorithm.values()) {
                if (!algorithm.fits(PkiFixtures.keyPair(caKey).getPublic())) {
                    continue;
                }
                for (String leafKey : LEAF_KEYS) {
                    cases.add(Arguments.of(caKey, algorithm, leafKey));
                }
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} CA signs with {1} for a {2} leaf")
    @MethodSource("matrix")
    void issuedLeafValidatesWithPkix(String caKey, SignatureAlgorithm algorithm, String leafKey) throws Exception {
        PkiFixtures.TestCa ca = CAS.computeIfAbsent(caKey, PkiFixtures::rootCa);
        String csr = CsrBuilder.forKey(PkiFixtures.keyPair(leafKey))
                .subject("CN=matrix")
                .dns("matrix.example")
                .pem();
        int signCallsBefore = ca.vault().signCalls();

        IssuedCertificate issued = ca.issuer().issue(PkiFixtures.request(csr), ca.authority(), ca.key(), algorithm);

        assertEquals(signCallsBefore + 1, ca.vault().signCalls(), "one vault sign call per certificate");
        PkiFixtures.validate(issued);
        X509Certificate leaf = issued.leaf();
        AlgorithmIdentifier expected = JcaSignatures.identifier(algorithm);
        AlgorithmIdentifier actual = Certificate.getInstance(leaf.getEncoded()).getSignatureAlgorithm();
        assertEquals(expected, actual);
        if (algorithm.family() == SignatureAlgorithm.Family.RSA_PSS) {
            assertNotNull(leaf.getSigAlgParams(), "PSS carries explicit parameters");
        } else if (algorithm.family() == SignatureAlgorithm.Family.ECDSA) {
            assertNull(leaf.getSigAlgParams(), "ECDSA identifiers have absent parameters (RFC 5758)");
        }
        assertArrayEquals(
                PkiFixtures.keyPair(leafKey).getPublic().getEncoded(),
                leaf.getPublicKey().getEncoded());
    }
}
