package dev.azurekeyvaultissuer.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.azurekeyvaultissuer.pki.Pem;
import io.fabric8.certmanager.api.model.v1.CertificateSpec;
import io.fabric8.certmanager.api.model.v1.NameConstraintItem;
import io.fabric8.certmanager.api.model.v1.NameConstraints;
import io.fabric8.certmanager.api.model.v1.OtherName;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link CertManagerEndToEndSuite} on the kube-apiserver and etcd that hack/test-env builds
 * ({@link KubernetesTestEnvironment}). Fails, never skips, when a piece of that environment is missing.
 *
 * <p>Shares the API server with the other ITs of the JVM (failsafe runs the classes one after another): while this
 * class runs, cert-manager's approver would also approve CertificateRequests another class left unapproved; their
 * issuers' vaults are gone by then, so those would just stay pending. The controller is stopped after the class.
 */
class CertManagerEndToEndIT extends CertManagerEndToEndSuite {

    @BeforeAll
    static void startOnTheTestEnvironment() throws Exception {
        start(KubernetesTestEnvironment.get(), "cert-manager-e2e");
    }

    // Features the current release turns on by default, which v1.11.5 does not have (so they are not in the suite).

    private static String text(X509Certificate certificate) throws Exception {
        Path file = Files.createTempFile("e2e-", ".pem");
        Files.writeString(file, Pem.encode(certificate));
        return openssl.check(List.of("x509", "-in", file.toString(), "-noout", "-text"));
    }

    /** otherNames are on by default since cert-manager v1.20: a UPN beside an email address. */
    @Test
    void otherNameSansOfACertificateAreInTheLeaf() throws Exception {
        CertificateSpec spec = spec("othername-tls", "ClusterIssuer", ROOT_ISSUER, "ECDSA", 256, "PKCS8");
        OtherName upn = new OtherName();
        upn.setOid("1.3.6.1.4.1.311.20.2.3");
        upn.setUtf8Value("alice@contoso.com");
        spec.setOtherNames(List.of(upn));
        spec.setEmailAddresses(List.of("alice@contoso.com"));
        create("othername", spec);

        String text = text(awaitIssued("othername", 1).leaf());

        assertTrue(text.contains("othername: UPN::alice@contoso.com"), text);
        assertTrue(text.contains("email:alice@contoso.com"), text);
    }

    /** nameConstraints are on by default since cert-manager v1.17: a sub-CA gets them, critical, as asked. */
    @Test
    void nameConstraintsOfACaCertificateAreInTheCa() throws Exception {
        CertificateSpec spec = spec("constrained-ca-tls", "ClusterIssuer", ROOT_ISSUER, "ECDSA", 256, "PKCS8");
        spec.setCommonName("cm-e2e constrained CA");
        spec.setIsCA(true);
        NameConstraints constraints = new NameConstraints();
        constraints.setCritical(true);
        NameConstraintItem permitted = new NameConstraintItem();
        permitted.setDnsDomains(List.of("shop.example.com"));
        constraints.setPermitted(permitted);
        NameConstraintItem excluded = new NameConstraintItem();
        excluded.setDnsDomains(List.of("admin.shop.example.com"));
        constraints.setExcluded(excluded);
        spec.setNameConstraints(constraints);
        create("constrained-ca", spec);

        X509Certificate ca = awaitIssued("constrained-ca", 1).leaf();
        String text = text(ca);

        assertEquals(0, ca.getBasicConstraints(), "a CA, pathLen from the root issuer's policy");
        assertTrue(text.contains("X509v3 Name Constraints: critical"), text);
        assertTrue(
                text.matches("(?s).*Permitted:\\s+DNS:shop\\.example\\.com\\s+Excluded:\\s+"
                        + "DNS:admin\\.shop\\.example\\.com.*"),
                text);
    }
}
