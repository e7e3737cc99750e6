package dev.azurekeyvaultissuer.pki;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.azurekeyvaultissuer.testing.CsrBuilder;
import dev.azurekeyvaultissuer.testing.TestKeyPairs;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.bouncycastle.asn1.ASN1Boolean;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.ASN1UTF8String;
import org.bouncycastle.asn1.DERIA5String;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.DERTaggedObject;
import org.bouncycastle.asn1.DERUTF8String;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralSubtree;
import org.bouncycastle.asn1.x509.NameConstraints;
import org.bouncycastle.asn1.x509.OtherName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every way a CSR can be bad, and the few unusual ones that are fine. */
class VerifiedCsrTest {

    private static final KeyPair RSA = TestKeyPairs.rsa(2048);
    private static final KeyPair EC = TestKeyPairs.ec("P-256");

    private static CsrBuilder good() {
        return CsrBuilder.forKey(RSA).subject("CN=app").dns("app.example.com");
    }

    /** Rejects, and checks the message says something and never echoes the CSR. */
    private static CsrRejectedException rejects(String pem) {
        CsrRejectedException e = assertThrows(CsrRejectedException.class, () -> VerifiedCsr.parse(pem));
        assertFalse(e.getMessage().isBlank());
        assertFalse(e.getMessage().contains("MII"), "no PEM content in messages: " + e.getMessage());
        assertFalse(e.getMessage().contains("-----"), "no PEM boundaries in messages: " + e.getMessage());
        return e;
    }

    private static void assertMentions(CsrRejectedException e, String... fragments) {
        for (String fragment : fragments) {
            assertTrue(e.getMessage().contains(fragment), "\"" + fragment + "\" in: " + e.getMessage());
        }
    }

    // ---- accepted

    @Test
    void acceptsRsaEcAndEd25519KeysAndReportsThem() {
        assertEquals("RSA 2048", VerifiedCsr.parse(good().pem()).keyDescription());
        assertEquals(
                "EC P-384",
                VerifiedCsr.parse(CsrBuilder.forKey(TestKeyPairs.ec("P-384"))
                                .subject("CN=a")
                                .pem())
                        .keyDescription());
        assertEquals(
                "EC P-521",
                VerifiedCsr.parse(CsrBuilder.forKey(TestKeyPairs.ec("P-521"))
                                .subject("CN=a")
                                .pem())
                        .keyDescription());
        assertEquals(
                "Ed25519",
                VerifiedCsr.parse(CsrBuilder.forKey(TestKeyPairs.ed25519())
                                .subject("CN=a")
                                .pem())
                        .keyDescription());
    }

    @ParameterizedTest
    @ValueSource(strings = {"SHA384withRSA", "SHA512withRSA", "SHA256withRSAandMGF1", "SHA512withRSAandMGF1"})
    void acceptsRsaCsrsSignedWithSha2PkcsOrPss(String algorithm) {
        VerifiedCsr.parse(good().signatureAlgorithm(algorithm).pem());
    }

    @Test
    void acceptsExplanatoryTextAroundTheBlockAndTheLegacyLabel() {
        String pem = good().pem();
        VerifiedCsr.parse("Certificate Request:\n    Data: ...\n" + pem + "trailing words\n");
        VerifiedCsr.parse(pem.replace("CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST"));
        VerifiedCsr.parse(pem.replace("\n", "\r\n"));
    }

    // ---- PEM layer

    @Test
    void rejectsEmptyInput() {
        assertThrows(CsrRejectedException.class, () -> VerifiedCsr.parse(""));
        assertThrows(CsrRejectedException.class, () -> VerifiedCsr.parse(null));
    }

    @Test
    void rejectsTextThatIsNotPem() {
        assertMentions(rejects("hello, I am a CSR"), "found 0 PEM blocks");
    }

    @Test
    void rejectsTwoBlocks() {
        assertMentions(rejects(good().pem() + good().pem()), "exactly one", "found 2");
    }

    @Test
    void rejectsAnotherBlockType() {
        String certificate = good().pem().replace("CERTIFICATE REQUEST", "CERTIFICATE");
        assertMentions(rejects(certificate), "\"CERTIFICATE\"");
    }

    @Test
    void rejectsAnUnterminatedBlockAndBadBase64() {
        String pem = good().pem();
        assertMentions(rejects(pem.substring(0, pem.indexOf("-----END"))), "no END line");
        assertMentions(rejects(pem.replace("MII", "M*I")), "base64");
    }

    @Test
    void rejectsOversizeInputBeforeParsing() {
        String padding = "x".repeat(VerifiedCsr.MAX_PEM_CHARS) + "\n";
        assertMentions(rejects(padding + good().pem()), "limit is 65536");
    }

    @Test
    void rejectsGarbageDer() {
        byte[] garbage = new byte[300];
        new Random(42).nextBytes(garbage);
        assertMentions(rejects(Pem.encode(Pem.CERTIFICATE_REQUEST, garbage)), "PKCS#10", "does not parse");
    }

    @Test
    void rejectsTrailingBytesAfterTheDer() throws Exception {
        byte[] der = good().build().getEncoded();
        byte[] longer = java.util.Arrays.copyOf(der, der.length + 2);
        rejects(Pem.encode(Pem.CERTIFICATE_REQUEST, longer));
    }

    // ---- signature

    @Test
    void rejectsATamperedCsr() throws Exception {
        byte[] der = CsrBuilder.forKey(RSA).subject("CN=honest").pem().transform(VerifiedCsrTest::der);
        String text = new String(der, StandardCharsets.ISO_8859_1).replace("honest", "evilxx");
        byte[] tampered = text.getBytes(StandardCharsets.ISO_8859_1);

        assertMentions(rejects(Pem.encode(Pem.CERTIFICATE_REQUEST, tampered)), "signature does not verify");
    }

    @Test
    void rejectsACsrSignedByAnotherKey() {
        assertMentions(rejects(good().signWith(TestKeyPairs.rsa(3072)).pem()), "signature does not verify");
        rejects(CsrBuilder.forKey(EC)
                .subject("CN=a")
                .signWith(TestKeyPairs.ec("P-384"))
                .signatureAlgorithm("SHA256withECDSA")
                .pem());
    }

    @Test
    void rejectsWeakCsrSignatureAlgorithms() {
        assertMentions(rejects(good().signatureAlgorithm("SHA1withRSA").pem()), "SHA1WITHRSA", "SHA-256 or stronger");
        rejects(CsrBuilder.forKey(EC)
                .subject("CN=a")
                .signatureAlgorithm("SHA1withECDSA")
                .pem());
    }

    // ---- keys

    @Test
    void rejectsRsa1024() {
        assertMentions(
                rejects(CsrBuilder.forKey(TestKeyPairs.fresh("RSA-1024"))
                        .subject("CN=a")
                        .pem()),
                "1024 bits",
                "at least 2048");
    }

    @ParameterizedTest
    @ValueSource(strings = {"secp256k1", "secp224r1", "brainpoolP256r1"})
    void rejectsUnsupportedCurves(String curve) {
        assertMentions(
                rejects(CsrBuilder.forKey(TestKeyPairs.bcEc(curve))
                        .subject("CN=a")
                        .pem()),
                curve,
                "P-256, P-384 or P-521");
    }

    @Test
    void rejectsEd448AndDsa() {
        assertMentions(
                rejects(CsrBuilder.forKey(TestKeyPairs.ed448()).subject("CN=a").pem()), "Ed448");
        assertMentions(
                rejects(CsrBuilder.forKey(TestKeyPairs.dsa()).subject("CN=a").pem()), "DSA");
    }

    // ---- names and extensions

    @Test
    void acceptsOtherNamesAsTheyAreEncoded() throws Exception {
        VerifiedCsr csr = VerifiedCsr.parse(good().otherName("1.3.6.1.4.1.311.20.2.3", "user@contoso.com")
                .otherName("1.2.3.4.5", "anything")
                .pem());

        GeneralName[] names = csr.subjectAltNames().orElseThrow().getNames();
        assertEquals(3, names.length);
        OtherName upn = OtherName.getInstance(names[1].getName());
        assertEquals(VerifiedCsr.UPN, upn.getTypeID());
        assertEquals("user@contoso.com", ((ASN1UTF8String) upn.getValue()).getString());
        assertEquals(
                "1.2.3.4.5",
                OtherName.getInstance(names[2].getName()).getTypeID().getId());
    }

    @Test
    void acceptsAUpnAsTheOnlyName() {
        VerifiedCsr csr = VerifiedCsr.parse(CsrBuilder.forKey(EC)
                .subject("")
                .otherName("1.3.6.1.4.1.311.20.2.3", "user@contoso.com")
                .pem());
        assertEquals(
                GeneralName.otherName,
                csr.subjectAltNames().orElseThrow().getNames()[0].getTagNo());
    }

    @Test
    void rejectsBadOtherNames() {
        assertMentions(
                rejects(good().san(new GeneralName(GeneralName.otherName, new DERSequence(new ASN1Encodable[] {
                            new ASN1ObjectIdentifier(VerifiedCsr.UPN.getId()),
                            new DERTaggedObject(true, 0, new DERIA5String("user@contoso.com"))
                        })))
                        .pem()),
                "UPN",
                "not a UTF8String");
        assertMentions(rejects(good().otherName(VerifiedCsr.UPN.getId(), "").pem()), "empty UPN");
        assertMentions(
                rejects(good().otherName("1.2.3.4", "x".repeat(VerifiedCsr.MAX_OTHER_NAME_BYTES))
                        .pem()),
                "otherName",
                "limit is " + VerifiedCsr.MAX_OTHER_NAME_BYTES);
        assertMentions(
                rejects(good().san(new GeneralName(
                                GeneralName.otherName,
                                new DERSequence(new ASN1Encodable[] {new DERUTF8String("no OID")})))
                        .pem()),
                "malformed otherName");
    }

    @Test
    void rejectsOtherSanKinds() {
        assertMentions(
                rejects(good().san(new GeneralName(new X500Name("CN=dir"))).pem()), "directoryName");
        assertMentions(
                rejects(good().san(new GeneralName(GeneralName.registeredID, "1.2.3.4"))
                        .pem()),
                "registeredID");
    }

    @Test
    void rejectsIpAddressesOfOddLength() {
        assertMentions(
                rejects(good().san(new GeneralName(
                                GeneralName.iPAddress,
                                new DEROctetString(new byte[] {10, 0, 0, 0, (byte) 255, 0, 0, 0})))
                        .pem()),
                "8 bytes");
    }

    @Test
    void keepsNameConstraintsExactlyAsRequested() {
        NameConstraints constraints = new NameConstraints(
                new GeneralSubtree[] {
                    new GeneralSubtree(new GeneralName(GeneralName.dNSName, "example.com")),
                    new GeneralSubtree(new GeneralName(
                            GeneralName.iPAddress, new DEROctetString(new byte[] {10, 0, 0, 0, (byte) 255, 0, 0, 0})))
                },
                new GeneralSubtree[] {new GeneralSubtree(new GeneralName(GeneralName.dNSName, "secret.example.com"))});

        VerifiedCsr csr = VerifiedCsr.parse(good().basicConstraints(true)
                .extension(Extension.nameConstraints, true, constraints)
                .pem());

        assertEquals(constraints, csr.nameConstraints().orElseThrow());
        csr.requireAgreement(true, KeyUsages.of(List.of(), true));
    }

    @Test
    void nameConstraintsAreRefusedForANonCaRequest() {
        NameConstraints constraints = new NameConstraints(
                new GeneralSubtree[] {new GeneralSubtree(new GeneralName(GeneralName.dNSName, "example.com"))}, null);
        VerifiedCsr csr = VerifiedCsr.parse(
                good().extension(Extension.nameConstraints, true, constraints).pem());

        CsrRejectedException e = assertThrows(
                CsrRejectedException.class, () -> csr.requireAgreement(false, KeyUsages.of(List.of(), false)));
        assertMentions(e, "name constraints", "isCA=false");
    }

    @Test
    void rejectsMalformedNameConstraints() {
        assertMentions(
                rejects(good().extension(Extension.nameConstraints, true, new NameConstraints(null, null))
                        .pem()),
                "neither permitted nor excluded");
        assertMentions(
                rejects(good().extension(
                                Extension.nameConstraints,
                                true,
                                new NameConstraints(
                                        new GeneralSubtree[] {
                                            new GeneralSubtree(
                                                    new GeneralName(GeneralName.dNSName, "a.example"),
                                                    BigInteger.ONE,
                                                    null)
                                        },
                                        null))
                        .pem()),
                "minimum 0");
        assertMentions(
                rejects(good().extension(
                                Extension.nameConstraints,
                                true,
                                new NameConstraints(
                                        new GeneralSubtree[] {
                                            new GeneralSubtree(new GeneralName(
                                                    GeneralName.iPAddress,
                                                    new DEROctetString(new byte[] {10, 0, 0, 0})))
                                        },
                                        null))
                        .pem()),
                "4 bytes");
        assertMentions(
                rejects(good().extension(
                                Extension.nameConstraints,
                                true,
                                new NameConstraints(
                                        new GeneralSubtree[] {
                                            new GeneralSubtree(new GeneralName(GeneralName.registeredID, "1.2.3"))
                                        },
                                        null))
                        .pem()),
                "registeredID");
        GeneralSubtree[] many = new GeneralSubtree[VerifiedCsr.MAX_NAME_CONSTRAINT_SUBTREES + 1];
        Arrays.fill(many, new GeneralSubtree(new GeneralName(GeneralName.dNSName, "a.example")));
        assertMentions(
                rejects(good().extension(Extension.nameConstraints, true, new NameConstraints(many, null))
                        .pem()),
                "limit is " + VerifiedCsr.MAX_NAME_CONSTRAINT_SUBTREES);
    }

    @Test
    void keepsARequestedPathLengthAndRefusesOneWithoutCa() {
        assertEquals(
                Optional.of(2),
                VerifiedCsr.parse(good().extension(Extension.basicConstraints, true, new BasicConstraints(2))
                                .pem())
                        .requestedPathLength());
        assertEquals(
                Optional.empty(),
                VerifiedCsr.parse(good().basicConstraints(true).pem()).requestedPathLength());
        ASN1Sequence caFalseWithPathLen = new DERSequence(new ASN1Encodable[] {ASN1Boolean.FALSE, new ASN1Integer(1)});
        assertMentions(
                rejects(good().extension(Extension.basicConstraints, true, caFalseWithPathLen)
                        .pem()),
                "pathLenConstraint with cA=false");
    }

    @Test
    void rejectsACsrThatNamesNothing() {
        assertMentions(rejects(CsrBuilder.forKey(RSA).subject("").pem()), "names nothing");
    }

    @Test
    void ignoresOtherRequestedExtensions() throws Exception {
        String pem = good().extension(Extension.subjectDirectoryAttributes, false, new DERSequence())
                .pem();

        VerifiedCsr csr = VerifiedCsr.parse(pem);
        X509Certificate leaf = PkiFixtures.rootCa("P-256").issue(pem).leaf();

        assertEquals(new X500Name("CN=app"), csr.subject());
        assertTrue(csr.subjectAltNames().isPresent(), "the SANs are still read");
        assertEquals(List.of(List.of(2, "app.example.com")), List.copyOf(leaf.getSubjectAlternativeNames()));
        assertNull(
                leaf.getExtensionValue(Extension.subjectDirectoryAttributes.getId()),
                "a requested extension the profile does not know is not copied into the certificate");
    }

    private static byte[] der(String pem) {
        String body = pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        return Base64.getDecoder().decode(body);
    }
}
