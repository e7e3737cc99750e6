package dev.azurekeyvaultissuer.pki;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.azurekeyvaultissuer.testing.CsrBuilder;
import dev.azurekeyvaultissuer.testing.TestCertificates;
import dev.azurekeyvaultissuer.testing.TestKeyPairs;
import java.security.KeyPair;
import java.security.cert.CertPathValidatorException;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1UTF8String;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.GeneralSubtree;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.NameConstraints;
import org.bouncycastle.asn1.x509.OtherName;
import org.junit.jupiter.api.Test;

/**
 * What cert-manager v1.20 sends beyond plain SANs (otherNames, nameConstraints, a pathLen), and the checks of the
 * issuer's own chain that keep it from signing what TLS clients would reject.
 */
class ChainConstraintsTest {

    private static final String SAN = "2.5.29.17";
    private static final String NAME_CONSTRAINTS = "2.5.29.30";
    private static final String UPN = "1.3.6.1.4.1.311.20.2.3";

    private final KeyPair leafKey = TestKeyPairs.ec("P-256");
    private final PkiFixtures.TestCa root = PkiFixtures.rootCa("P-256");

    private CsrBuilder csr() {
        return CsrBuilder.forKey(leafKey).subject("CN=app");
    }

    private static LeafRequest leaf(String pem, String... usages) {
        return new LeafRequest(pem, Optional.empty(), false, List.of(usages));
    }

    private static LeafRequest ca(String pem) {
        return new LeafRequest(pem, Optional.empty(), true, List.of());
    }

    private static NameConstraints constraints(List<GeneralName> permitted, List<GeneralName> excluded) {
        return new NameConstraints(
                permitted == null
                        ? null
                        : permitted.stream().map(GeneralSubtree::new).toArray(GeneralSubtree[]::new),
                excluded == null
                        ? null
                        : excluded.stream().map(GeneralSubtree::new).toArray(GeneralSubtree[]::new));
    }

    private static GeneralName dns(String name) {
        return new GeneralName(GeneralName.dNSName, name);
    }

    private static GeneralName ipRange(int a, int b, int c, int d, int prefix) {
        byte[] bytes = new byte[8];
        bytes[0] = (byte) a;
        bytes[1] = (byte) b;
        bytes[2] = (byte) c;
        bytes[3] = (byte) d;
        for (int i = 0; i < 4; i++) {
            int keep = Math.max(0, Math.min(8, prefix - i * 8));
            bytes[4 + i] = (byte) (keep == 0 ? 0 : 0xff << (8 - keep));
        }
        return new GeneralName(GeneralName.iPAddress, new DEROctetString(bytes));
    }

    private static PkiFixtures.TestCa rootConstrained(NameConstraints constraints) {
        return PkiFixtures.constrainedChain(r -> r.extension(Extension.nameConstraints, true, constraints), i -> i);
    }

    private static ChainConstraintException refused(PkiFixtures.TestCa ca, LeafRequest request, String... mentions) {
        ChainConstraintException e = assertThrows(ChainConstraintException.class, () -> ca.issue(request));
        for (String mention : mentions) {
            assertTrue(e.getMessage().contains(mention), "\"" + mention + "\" in: " + e.getMessage());
        }
        assertEquals(0, ca.vault().signCalls(), "nothing is signed");
        return e;
    }

    // ---- otherName SANs

    @Test
    void otherNameSansAreCopiedIntoTheLeafAsTheCsrEncodesThem() throws Exception {
        CsrBuilder builder = csr().dns("app.example.com")
                .otherName(UPN, "alice@contoso.com")
                .otherName("1.3.6.1.5.5.7.8.9", "alice@contoso.com");
        byte[] csrSan = builder.build()
                .getRequestedExtensions()
                .getExtension(Extension.subjectAlternativeName)
                .getExtnValue()
                .getOctets();

        X509Certificate leaf = root.issue(builder.pem()).leaf();

        assertArrayEquals(
                csrSan, ASN1OctetString.getInstance(leaf.getExtensionValue(SAN)).getOctets());
        GeneralName[] names = GeneralNames.getInstance(
                        ASN1OctetString.getInstance(leaf.getExtensionValue(SAN)).getOctets())
                .getNames();
        OtherName upn = OtherName.getInstance(names[1].getName());
        assertEquals(UPN, upn.getTypeID().getId());
        assertEquals("alice@contoso.com", ((ASN1UTF8String) upn.getValue()).getString());
        assertEquals(
                List.of(2, 0, 0),
                leaf.getSubjectAlternativeNames().stream()
                        .map(n -> (Integer) n.get(0))
                        .toList());
    }

    @Test
    void aUpnAsTheOnlyNameMakesAValidLeafWithACriticalSan() throws Exception {
        String pem = CsrBuilder.forKey(leafKey)
                .subject("")
                .otherName(UPN, "alice@contoso.com")
                .pem();

        IssuedCertificate issued = root.issue(leaf(pem, "digital signature", "client auth"));

        assertEquals(2, issued.leaf().getSubjectX500Principal().getEncoded().length, "empty subject");
        assertTrue(issued.leaf().getCriticalExtensionOIDs().contains(SAN));
        PkiFixtures.validate(issued);
    }

    // ---- nameConstraints in the CSR

    @Test
    void aCaRequestGetsTheCsrNameConstraintsCriticalAndUnchanged() throws Exception {
        NameConstraints requested = constraints(
                List.of(
                        dns("shop.example.com"),
                        ipRange(10, 1, 0, 0, 16),
                        new GeneralName(GeneralName.rfc822Name, "shop.example.com"),
                        new GeneralName(GeneralName.uniformResourceIdentifier, ".shop.example.com")),
                List.of(dns("admin.shop.example.com")));
        String pem = csr().subject("CN=Shop CA")
                .usages(List.of(), true)
                .basicConstraints(true)
                .extension(Extension.nameConstraints, true, requested)
                .pem();

        X509Certificate subCa = root.issue(ca(pem)).leaf();

        assertTrue(subCa.getCriticalExtensionOIDs().contains(NAME_CONSTRAINTS));
        assertEquals(
                requested,
                NameConstraints.getInstance(ASN1OctetString.getInstance(subCa.getExtensionValue(NAME_CONSTRAINTS))
                        .getOctets()));
    }

    @Test
    void nameConstraintsOnALeafRequestAreRefused() {
        String pem = csr().dns("app.example.com")
                .nameConstraints(List.of(dns("example.com")), null)
                .pem();

        CsrRejectedException e = assertThrows(CsrRejectedException.class, () -> root.issue(leaf(pem)));
        assertTrue(e.getMessage().contains("only a CA certificate may carry"), e.getMessage());
        assertEquals(0, root.vault().signCalls());
    }

    // ---- the chain's name constraints

    @Test
    void aDnsNameOutsideTheRootsPermittedSubtreesIsRefusedNamingTheRoot() throws Exception {
        PkiFixtures.TestCa ca = rootConstrained(constraints(List.of(dns("example.com")), null));

        PkiFixtures.validate(ca.issue(leaf(csr().dns("app.example.com").pem())));
        refused(
                PkiFixtures.constrainedChain(
                        r -> r.extension(
                                Extension.nameConstraints, true, constraints(List.of(dns("example.com")), null)),
                        i -> i),
                leaf(csr().dns("app.example.org").pem()),
                "DNS name \"app.example.org\"",
                "outside the permitted",
                "[DNS:example.com]",
                "\"CN=Offline Root\"");
    }

    @Test
    void aDnsNameInTheIntermediatesExcludedSubtreeIsRefusedNamingTheIntermediate() {
        PkiFixtures.TestCa ca = PkiFixtures.constrainedChain(
                r -> r,
                i -> i.extension(
                        Extension.nameConstraints, true, constraints(null, List.of(dns("secret.example.com")))));

        refused(
                ca,
                leaf(csr().dns("app.example.com", "db.secret.example.com").pem()),
                "DNS name \"db.secret.example.com\"",
                "excluded",
                "[DNS:secret.example.com]",
                "\"CN=Vault Intermediate\"");
    }

    @Test
    void anIpAddressOutsideThePermittedRangeIsRefused() throws Exception {
        NameConstraints tenOnly = constraints(List.of(ipRange(10, 0, 0, 0, 8)), null);

        PkiFixtures.validate(
                rootConstrained(tenOnly).issue(leaf(csr().ip("10.2.3.4").pem())));
        refused(
                rootConstrained(tenOnly),
                leaf(csr().ip("10.2.3.4", "192.168.1.1").pem()),
                "IP address 192.168.1.1",
                "[IP:10.0.0.0/255.0.0.0]",
                "\"CN=Offline Root\"");
    }

    @Test
    void anEmailAddressOutsideThePermittedDomainIsRefused() {
        NameConstraints mail = constraints(List.of(new GeneralName(GeneralName.rfc822Name, "example.com")), null);

        rootConstrained(mail).issue(leaf(csr().email("ops@example.com").pem()));
        refused(
                rootConstrained(mail),
                leaf(csr().email("ops@example.org").pem()),
                "email address \"ops@example.org\"",
                "[email:example.com]");
    }

    @Test
    void aUriOutsideThePermittedHostsIsRefused() {
        NameConstraints cluster =
                constraints(List.of(new GeneralName(GeneralName.uniformResourceIdentifier, "cluster.local")), null);

        rootConstrained(cluster)
                .issue(leaf(csr().uri("spiffe://cluster.local/ns/shop/sa/web").pem()));
        refused(
                rootConstrained(cluster),
                leaf(csr().uri("spiffe://evil.example/ns/shop/sa/web").pem()),
                "URI \"spiffe://evil.example/ns/shop/sa/web\"",
                "[URI:cluster.local]");
    }

    @Test
    void aCommonNameThatIsADnsNameIsCheckedLikeADnsSan() {
        NameConstraints exampleCom = constraints(List.of(dns("example.com")), null);

        refused(
                rootConstrained(exampleCom),
                leaf(CsrBuilder.forKey(leafKey)
                        .subject("CN=www.example.org")
                        .dns("www.example.com")
                        .pem()),
                "DNS name \"www.example.org\"");
        rootConstrained(exampleCom)
                .issue(leaf(CsrBuilder.forKey(leafKey)
                        .subject("CN=My App")
                        .dns("www.example.com")
                        .pem()));
    }

    @Test
    void anOtherNameUnderDnsConstraintsIsNotAViolation() throws Exception {
        PkiFixtures.TestCa ca = rootConstrained(constraints(List.of(dns("example.com")), null));

        ca.issue(leaf(CsrBuilder.forKey(leafKey)
                .subject("")
                .otherName(UPN, "alice@contoso.com")
                .pem()));
    }

    // ---- path length

    @Test
    void aCaRequestIsRefusedWhenAPathLenAboveIsExhausted() {
        PkiFixtures.TestCa ca = PkiFixtures.constrainedChain(r -> r.pathLength(1), i -> i);

        ca.issue(leaf(csr().dns("app.example.com").pem()));
        refused(
                PkiFixtures.constrainedChain(r -> r.pathLength(1), i -> i),
                ca(csr().usages(List.of(), true).basicConstraints(true).pem()),
                "\"CN=Offline Root\"",
                "pathLenConstraint 1",
                "1 CA certificate(s) below it");
    }

    @Test
    void aRequestedPathLenIsHonoured() {
        X509Certificate subCa = root.issue(ca(csr().basicConstraints(3).pem())).leaf();

        assertEquals(3, subCa.getBasicConstraints());
    }

    @Test
    void aRequestedPathLenIsBoundedByTheChain() {
        PkiFixtures.TestCa ca = PkiFixtures.constrainedChain(r -> r, i -> i.pathLength(2));

        assertEquals(1, ca.issue(ca(csr().basicConstraints(1).pem())).leaf().getBasicConstraints());
        refused(
                PkiFixtures.constrainedChain(r -> r, i -> i.pathLength(2)),
                ca(csr().basicConstraints(2).pem()),
                "pathLenConstraint 2",
                "at most 1");
    }

    @Test
    void aRequestedPathLenIsBoundedByThePolicy() {
        IssuancePolicy maxOne =
                new IssuancePolicy(true, Optional.of(1), List.of(), List.of(), List.of(), Optional.empty(), List.of());

        assertEquals(
                1,
                root.issue(ca(csr().basicConstraints(1).pem()), maxOne).leaf().getBasicConstraints());
        PolicyViolationException e = assertThrows(
                PolicyViolationException.class,
                () -> root.issue(ca(csr().basicConstraints(2).pem()), maxOne));
        assertTrue(e.getMessage().contains("policy.maxPathLen allows at most 1"), e.getMessage());
    }

    @Test
    void withoutARequestACaGetsTheSmallerOfPolicyAndChain() {
        PkiFixtures.TestCa ca = PkiFixtures.constrainedChain(r -> r, i -> i.pathLength(3));
        IssuancePolicy allowCaOnly = new IssuancePolicy(
                true, Optional.empty(), List.of(), List.of(), List.of(), Optional.empty(), List.of());
        IssuancePolicy maxFive =
                new IssuancePolicy(true, Optional.of(5), List.of(), List.of(), List.of(), Optional.empty(), List.of());

        assertEquals(0, ca.issue(ca(csr().pem()), allowCaOnly).leaf().getBasicConstraints(), "policy default 0");
        assertEquals(2, ca.issue(ca(csr().pem()), maxFive).leaf().getBasicConstraints(), "chain: 3 - 1");
        assertEquals(2, ca.issue(ca(csr().pem()), IssuancePolicy.NONE).leaf().getBasicConstraints());
    }

    // ---- extended key usage

    @Test
    void anExtendedKeyUsageTheChainDoesNotAllowIsRefused() throws Exception {
        PkiFixtures.TestCa ca = PkiFixtures.constrainedChain(
                r -> r,
                i -> i.extension(
                        Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth)));

        ca.issue(leaf(csr().dns("app.example.com").pem(), "digital signature", "server auth"));
        ca.issue(leaf(csr().dns("app.example.com").pem()));
        refused(
                PkiFixtures.constrainedChain(
                        r -> r,
                        i -> i.extension(
                                Extension.extendedKeyUsage,
                                false,
                                new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth))),
                leaf(csr().dns("app.example.com").pem(), "digital signature", "server auth", "client auth"),
                "[client auth]",
                "\"CN=Vault Intermediate\"",
                "allows only [server auth]");
    }

    @Test
    void aChainCaWithAnyExtendedKeyUsageAllowsEverything() {
        PkiFixtures.TestCa ca = PkiFixtures.constrainedChain(
                r -> r.extension(
                        Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.anyExtendedKeyUsage)),
                i -> i);

        ca.issue(leaf(csr().dns("app.example.com").pem(), "code signing", "client auth"));
    }

    @Test
    void theJdkValidatorAgreesWhenTheIssuerSigns() throws Exception {
        // What the issuer lets through under constraints, a PKIX validator accepts; what it refuses, the JDK
        // rejects too. (The JDK ignores a trust anchor's own constraints, so they sit on the intermediate here.)
        PkiFixtures.TestCa ca = PkiFixtures.constrainedChain(
                r -> r,
                i -> i.extension(
                                Extension.nameConstraints,
                                true,
                                constraints(
                                        List.of(dns("example.com"), ipRange(10, 0, 0, 0, 8)),
                                        List.of(dns("bad.example.com"))))
                        .extension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(new KeyPurposeId[] {
                            KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth
                        })));

        IssuedCertificate issued = ca.issue(leaf(
                CsrBuilder.forKey(leafKey)
                        .subject("CN=web.example.com")
                        .dns("web.example.com")
                        .ip("10.9.8.7")
                        .pem(),
                "digital signature",
                "server auth"));

        PkiFixtures.validate(issued);
        assertFalse(Arrays.asList(issued.leaf().getCriticalExtensionOIDs().toArray())
                .contains(NAME_CONSTRAINTS));
        assertThrows(
                ChainConstraintException.class,
                () -> ca.issue(leaf(CsrBuilder.forKey(leafKey)
                        .subject("CN=bad.example.com")
                        .dns("bad.example.com")
                        .pem())));
        assertThrows(
                CertPathValidatorException.class,
                () -> PkiFixtures.validate(forged(ca)),
                "the JDK rejects what the check refuses");
    }

    /** A leaf for a name outside the root's constraints, signed without the issuer's checks. */
    private IssuedCertificate forged(PkiFixtures.TestCa ca) throws Exception {
        X509Certificate leafCertificate = TestCertificates.builder("CN=bad.example.com", leafKey.getPublic())
                .issuedBy(ca.authority().certificate(), ca.keyPair().getPrivate())
                .ca(false)
                .extension(Extension.subjectAlternativeName, false, new GeneralNames(dns("bad.example.com")))
                .build();
        return new IssuedCertificate(
                leafCertificate,
                Pem.encode(leafCertificate) + ca.authority().chainPemAfterLeaf(),
                ca.authority().rootPem());
    }
}
