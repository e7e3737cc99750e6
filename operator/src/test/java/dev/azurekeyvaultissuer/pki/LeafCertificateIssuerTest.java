package dev.azurekeyvaultissuer.pki;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.azurekeyvaultissuer.keyvault.SignatureAlgorithm;
import dev.azurekeyvaultissuer.keyvault.VaultException;
import dev.azurekeyvaultissuer.keyvault.VaultKey;
import dev.azurekeyvaultissuer.testing.CsrBuilder;
import dev.azurekeyvaultissuer.testing.LocalKeyVault;
import dev.azurekeyvaultissuer.testing.TestCertificates;
import dev.azurekeyvaultissuer.testing.TestKeyPairs;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.DERIA5String;
import org.bouncycastle.asn1.x509.AccessDescription;
import org.bouncycastle.asn1.x509.AuthorityInformationAccess;
import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.bouncycastle.asn1.x509.CRLDistPoint;
import org.bouncycastle.asn1.x509.DistributionPoint;
import org.bouncycastle.asn1.x509.DistributionPointName;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.SubjectKeyIdentifier;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The leaf profile of docs/pki.md, one property at a time. */
class LeafCertificateIssuerTest {

    private static final String SAN = "2.5.29.17";
    private static final String BASIC_CONSTRAINTS = "2.5.29.19";
    private static final String KEY_USAGE = "2.5.29.15";
    private static final String EXTENDED_KEY_USAGE = "2.5.29.37";
    private static final String CRL_DISTRIBUTION_POINTS = "2.5.29.31";
    private static final String AUTHORITY_INFO_ACCESS = "1.3.6.1.5.5.7.1.1";
    private static final String OCSP = "1.3.6.1.5.5.7.48.1";
    private static final String CA_ISSUERS = "1.3.6.1.5.5.7.48.2";

    private final PkiFixtures.TestCa ca = PkiFixtures.rootCa("P-256");
    private final KeyPair leafKey = TestKeyPairs.ec("P-256");

    private CsrBuilder csr() {
        return CsrBuilder.forKey(leafKey).subject("CN=app,O=Contoso").dns("app.example.com");
    }

    private static LeafRequest request(String pem, Duration duration, boolean isCA, List<String> usages) {
        return new LeafRequest(pem, Optional.ofNullable(duration), isCA, usages);
    }

    // ---- subject and SANs

    @Test
    void everySanKindIsCarriedThroughInOrder() throws Exception {
        String pem = CsrBuilder.forKey(leafKey)
                .subject("CN=app")
                .dns("app.example.com", "*.app.example.com")
                .ip("10.0.0.1", "2001:db8::1")
                .uri("spiffe://cluster.local/ns/default/sa/app")
                .email("ops@example.com")
                .pem();

        X509Certificate leaf = ca.issue(pem).leaf();

        List<List<?>> names = List.copyOf(leaf.getSubjectAlternativeNames());
        assertEquals(
                List.of(
                        List.of(2, "app.example.com"),
                        List.of(2, "*.app.example.com"),
                        List.of(7, "10.0.0.1"),
                        List.of(7, "2001:db8:0:0:0:0:0:1"),
                        List.of(6, "spiffe://cluster.local/ns/default/sa/app"),
                        List.of(1, "ops@example.com")),
                names);
        assertFalse(leaf.getCriticalExtensionOIDs().contains(SAN), "SAN is not critical when there is a subject");
    }

    @Test
    void emptySubjectMakesTheSanExtensionCritical() {
        String pem =
                CsrBuilder.forKey(leafKey).subject("").dns("app.example.com").pem();

        X509Certificate leaf = ca.issue(pem).leaf();

        assertEquals(2, leaf.getSubjectX500Principal().getEncoded().length, "an empty SEQUENCE");
        assertTrue(leaf.getCriticalExtensionOIDs().contains(SAN));
    }

    @Test
    void subjectIsCopiedFromTheCsrByteForByte() throws Exception {
        CsrBuilder builder = CsrBuilder.forKey(leafKey).subject("CN=app+OU=web,O=Contoso Ltd.,L=Zürich,C=CH");
        byte[] csrSubject = builder.build().getSubject().getEncoded();

        X509Certificate leaf = ca.issue(builder.pem()).leaf();

        assertArrayEquals(csrSubject, leaf.getSubjectX500Principal().getEncoded());
        assertNull(leaf.getSubjectAlternativeNames());
    }

    @Test
    void issuerIsTheCaSubjectByteForByte() {
        X509Certificate leaf = ca.issue(csr().pem()).leaf();

        assertArrayEquals(
                ca.authority().certificate().getSubjectX500Principal().getEncoded(),
                leaf.getIssuerX500Principal().getEncoded());
    }

    // ---- usages and basic constraints

    @Test
    void defaultsToDigitalSignatureAndKeyEnciphermentLikeCertManager() {
        X509Certificate leaf = ca.issue(csr().pem()).leaf();

        assertEquals(Set.of(0, 2), setBits(leaf.getKeyUsage()));
        assertTrue(leaf.getCriticalExtensionOIDs().contains(KEY_USAGE));
        assertNull(leaf.getExtensionValue(EXTENDED_KEY_USAGE));
        assertEquals(-1, leaf.getBasicConstraints());
        assertTrue(leaf.getCriticalExtensionOIDs().contains(BASIC_CONSTRAINTS), "cA=false, critical, as Go does");
    }

    @Test
    void usagesMapToKeyUsageAndExtendedKeyUsageWithAliasesMerged() throws Exception {
        List<String> usages =
                List.of("signing", "digital signature", "server auth", "client auth", "s/mime", "email protection");

        X509Certificate leaf =
                ca.issue(request(csr().pem(), null, false, usages)).leaf();

        assertEquals(Set.of(0), setBits(leaf.getKeyUsage()));
        assertEquals(
                List.of(
                        KeyPurposeId.id_kp_serverAuth.getId(),
                        KeyPurposeId.id_kp_clientAuth.getId(),
                        KeyPurposeId.id_kp_emailProtection.getId()),
                leaf.getExtendedKeyUsage());
        assertFalse(leaf.getCriticalExtensionOIDs().contains(EXTENDED_KEY_USAGE));
    }

    @Test
    void everyKeyUsageStringSetsItsBit() {
        List<String> usages = List.of(
                "digital signature",
                "content commitment",
                "key encipherment",
                "data encipherment",
                "key agreement",
                "cert sign",
                "crl sign",
                "encipher only",
                "decipher only");

        X509Certificate leaf =
                ca.issue(request(csr().pem(), null, false, usages)).leaf();

        assertEquals(Set.of(0, 1, 2, 3, 4, 5, 6, 7, 8), setBits(leaf.getKeyUsage()));
    }

    @Test
    void everyExtendedUsageStringMapsToItsPurpose() throws Exception {
        List<String> usages = List.of(
                "any",
                "server auth",
                "client auth",
                "code signing",
                "email protection",
                "s/mime",
                "ipsec end system",
                "ipsec tunnel",
                "ipsec user",
                "timestamping",
                "ocsp signing",
                "microsoft sgc",
                "netscape sgc");

        X509Certificate leaf =
                ca.issue(request(csr().pem(), null, false, usages)).leaf();

        assertEquals(
                List.of(
                        "2.5.29.37.0",
                        "1.3.6.1.5.5.7.3.1",
                        "1.3.6.1.5.5.7.3.2",
                        "1.3.6.1.5.5.7.3.3",
                        "1.3.6.1.5.5.7.3.4",
                        "1.3.6.1.5.5.7.3.5",
                        "1.3.6.1.5.5.7.3.6",
                        "1.3.6.1.5.5.7.3.7",
                        "1.3.6.1.5.5.7.3.8",
                        "1.3.6.1.5.5.7.3.9",
                        "1.3.6.1.4.1.311.10.3.3",
                        "2.16.840.1.113730.4.1"),
                leaf.getExtendedKeyUsage());
        assertNull(leaf.getKeyUsage(), "only extended usages requested: no keyUsage extension, as Go omits it");
    }

    @Test
    void isCaGivesCriticalBasicConstraintsWithoutPathLenAndKeyCertSign() {
        String pem = csr().usages(List.of(), true).basicConstraints(true).pem();

        X509Certificate leaf = ca.issue(request(pem, null, true, List.of())).leaf();

        assertEquals(Integer.MAX_VALUE, leaf.getBasicConstraints(), "cA=true without pathLenConstraint");
        assertTrue(leaf.getCriticalExtensionOIDs().contains(BASIC_CONSTRAINTS));
        assertEquals(Set.of(0, 2, 5), setBits(leaf.getKeyUsage()));
    }

    @Test
    void isCaIsRefusedUnderACaWithPathLenZero() {
        PkiFixtures.TestCa intermediate = PkiFixtures.intermediateCa("P-256", "P-256");

        CsrRejectedException e = assertThrows(
                CsrRejectedException.class, () -> intermediate.issue(request(csr().pem(), null, true, List.of())));
        assertTrue(e.getMessage().contains("pathLenConstraint is 0"), e.getMessage());
        assertEquals(0, intermediate.vault().signCalls());
    }

    @Test
    void csrEncodedByCertManagerForTheSameSpecAgrees() {
        List<String> usages = List.of("server auth", "digital signature", "key encipherment", "client auth");
        String pem = csr().usages(usages, false).basicConstraints(false).pem();

        X509Certificate leaf = ca.issue(request(pem, null, false, usages)).leaf();

        assertEquals(Set.of(0, 2), setBits(leaf.getKeyUsage()));
    }

    @Test
    void extendedUsagesInTheCsrMayComeInAnotherOrder() throws Exception {
        String pem = csr().keyUsage(KeyUsage.digitalSignature)
                .extendedKeyUsage(KeyPurposeId.id_kp_clientAuth, KeyPurposeId.id_kp_serverAuth)
                .pem();

        X509Certificate leaf = ca.issue(
                        request(pem, null, false, List.of("digital signature", "server auth", "client auth")))
                .leaf();

        assertEquals(Set.of(0), setBits(leaf.getKeyUsage()));
        assertEquals(
                List.of(KeyPurposeId.id_kp_serverAuth.getId(), KeyPurposeId.id_kp_clientAuth.getId()),
                leaf.getExtendedKeyUsage(),
                "the certificate carries the request's usages, in the request's order");
    }

    // ---- validity

    @Test
    void defaultDurationIsNinetyDaysFromNowWithoutBackdating() {
        X509Certificate leaf = ca.issue(csr().pem()).leaf();

        assertEquals(PkiFixtures.NOW, leaf.getNotBefore().toInstant());
        assertEquals(
                PkiFixtures.NOW.plus(Duration.ofDays(90)), leaf.getNotAfter().toInstant());
    }

    @Test
    void requestedDurationIsHonoured() {
        X509Certificate leaf = ca.issue(request(csr().pem(), Duration.ofHours(1), false, List.of()))
                .leaf();

        assertEquals(
                PkiFixtures.NOW.plus(Duration.ofHours(1)), leaf.getNotAfter().toInstant());
    }

    @Test
    void notAfterIsClampedToTheCaNotAfter() {
        KeyPair pair = TestKeyPairs.ec("P-256");
        Instant caNotAfter = PkiFixtures.NOW.plus(Duration.ofDays(30));
        X509Certificate root = TestCertificates.builder("CN=Short Root", pair.getPublic())
                .selfSigned(pair.getPrivate())
                .validity(PkiFixtures.NOW.minusSeconds(60), caNotAfter)
                .build();
        CertificateAuthority shortLived = CertificateAuthority.of(List.of(root));

        X509Certificate leaf = ca.issuer()
                .issue(
                        request(csr().pem(), Duration.ofDays(10_000_000), false, List.of()),
                        shortLived,
                        ca.key(),
                        ca.algorithm())
                .leaf();

        assertEquals(caNotAfter, leaf.getNotAfter().toInstant());
    }

    @ParameterizedTest
    @ValueSource(longs = {0, -1, -3600})
    void nonPositiveDurationIsRejected(long seconds) {
        assertThrows(
                CsrRejectedException.class,
                () -> ca.issue(request(csr().pem(), Duration.ofSeconds(seconds), false, List.of())));
        assertEquals(0, ca.vault().signCalls());
    }

    // ---- serial and key identifiers

    @Test
    void serialsArePositive128BitRandomAndDistinct() {
        Set<BigInteger> serials = new HashSet<>();
        String pem = csr().pem();
        for (int i = 0; i < 20; i++) {
            BigInteger serial = ca.issue(pem).leaf().getSerialNumber();
            assertEquals(1, serial.signum());
            assertTrue(serial.bitLength() <= 128, "at most 128 bits");
            serials.add(serial);
        }
        assertEquals(20, serials.size());
        assertTrue(serials.stream().anyMatch(s -> s.bitLength() > 120), "random over the full 128 bits");
    }

    @Test
    void subjectKeyIdentifierIsSha1OfTheLeafKeyAndAuthorityKeyIdentifierIsTheCaSki() throws Exception {
        X509Certificate leaf = ca.issue(csr().pem()).leaf();

        byte[] keyBits = SubjectPublicKeyInfo.getInstance(leafKey.getPublic().getEncoded())
                .getPublicKeyData()
                .getBytes();
        assertArrayEquals(MessageDigest.getInstance("SHA-1").digest(keyBits), ski(leaf));
        assertArrayEquals(ski(ca.authority().certificate()), aki(leaf));
    }

    @Test
    void authorityKeyIdentifierIsComputedForACaWithoutSki() throws Exception {
        KeyPair pair = ca.keyPair();
        X509Certificate root = TestCertificates.builder("CN=Root without SKI", pair.getPublic())
                .selfSigned(pair.getPrivate())
                .withoutSubjectKeyIdentifier()
                .build();
        assertNull(root.getExtensionValue("2.5.29.14"));

        X509Certificate leaf = ca.issuer()
                .issue(
                        PkiFixtures.request(csr().pem()),
                        CertificateAuthority.of(List.of(root)),
                        ca.key(),
                        ca.algorithm())
                .leaf();

        byte[] keyBits = SubjectPublicKeyInfo.getInstance(pair.getPublic().getEncoded())
                .getPublicKeyData()
                .getBytes();
        assertArrayEquals(MessageDigest.getInstance("SHA-1").digest(keyBits), aki(leaf));
    }

    // ---- chain and status

    @Test
    void selfSignedRootCaPutsTheLeafAloneIntoCertificateAndTheRootIntoCa() throws Exception {
        IssuedCertificate issued = ca.issue(csr().pem());

        assertEquals(List.of(issued.leaf()), Pem.decodeCertificates(issued.certificatePem(), 1 << 20));
        assertEquals(List.of(ca.authority().certificate()), Pem.decodeCertificates(issued.caPem(), 1 << 20));
        PkiFixtures.validate(issued);
    }

    @Test
    void intermediateCaPutsLeafAndIntermediateIntoCertificateAndTheRootIntoCa() throws Exception {
        PkiFixtures.TestCa intermediate = PkiFixtures.intermediateCa("RSA-2048", "P-384");

        IssuedCertificate issued = intermediate.issue(csr().pem());

        CertificateAuthority chain = intermediate.authority();
        assertEquals(
                List.of(issued.leaf(), chain.certificate()), Pem.decodeCertificates(issued.certificatePem(), 1 << 20));
        assertEquals(List.of(chain.root()), Pem.decodeCertificates(issued.caPem(), 1 << 20));
        assertTrue(
                PkiFixtures.validate(issued).getTrustAnchor().getTrustedCert().equals(chain.root()));
        assertEquals(1, intermediate.vault().signCalls());
    }

    @Test
    void oneVaultSignCallPerCertificate() {
        String pem = csr().pem();
        ca.issue(pem);
        ca.issue(pem);
        ca.issue(pem);

        assertEquals(3, ca.vault().signCalls());
        assertEquals(0, ca.vault().calls(LocalKeyVault.Operation.GET_KEY), "the key is the caller's, not fetched");
    }

    // ---- CRL distribution points and authority information access

    private static final AuthorityUrls URLS = new AuthorityUrls(
            List.of("http://pki.example.com/ca.crl", "https://backup.example.org/crl/ca.crl"),
            List.of("http://ocsp.example.com", "http://ocsp2.example.com/"),
            List.of("http://pki.example.com/ca.crt", "http://[fd00::1]:8080/ca.crt"));

    private IssuedCertificate issueWith(LeafRequest request, AuthorityUrls urls) {
        return ca.issuer().issue(request, ca.authority(), ca.key(), ca.algorithm(), IssuancePolicy.NONE, urls);
    }

    @Test
    void crlDistributionPointsAreOneNonCriticalPointWithTheUrlsInOrder() throws Exception {
        X509Certificate leaf = issueWith(PkiFixtures.request(csr().pem()), URLS).leaf();

        assertFalse(leaf.getCriticalExtensionOIDs().contains(CRL_DISTRIBUTION_POINTS));
        DistributionPoint[] points = CRLDistPoint.getInstance(extension(leaf, CRL_DISTRIBUTION_POINTS))
                .getDistributionPoints();
        assertEquals(1, points.length);
        assertNull(points[0].getReasons(), "every reason");
        assertNull(points[0].getCRLIssuer(), "the CA itself issues the CRL");
        assertEquals(
                DistributionPointName.FULL_NAME,
                points[0].getDistributionPoint().getType());
        GeneralName[] names = GeneralNames.getInstance(
                        points[0].getDistributionPoint().getName())
                .getNames();
        assertEquals(URLS.crlDistributionPoints(), uris(names));
    }

    @Test
    void ocspServersThenIssuingCertificateUrlsAreOneNonCriticalAia() throws Exception {
        X509Certificate leaf = issueWith(PkiFixtures.request(csr().pem()), URLS).leaf();

        assertFalse(leaf.getCriticalExtensionOIDs().contains(AUTHORITY_INFO_ACCESS));
        AccessDescription[] access = AuthorityInformationAccess.getInstance(extension(leaf, AUTHORITY_INFO_ACCESS))
                .getAccessDescriptions();
        List<String> methods = new ArrayList<>();
        List<GeneralName> locations = new ArrayList<>();
        for (AccessDescription description : access) {
            methods.add(description.getAccessMethod().getId());
            locations.add(description.getAccessLocation());
        }
        assertEquals(List.of(OCSP, OCSP, CA_ISSUERS, CA_ISSUERS), methods);
        List<String> expected = new ArrayList<>(URLS.ocspServers());
        expected.addAll(URLS.issuingCertificateUrls());
        assertEquals(expected, uris(locations.toArray(GeneralName[]::new)));
    }

    @Test
    void onlyOcspServersGiveAnAiaWithOcspOnlyAndNoCrlDistributionPoints() throws Exception {
        X509Certificate leaf = issueWith(
                        PkiFixtures.request(csr().pem()),
                        new AuthorityUrls(List.of(), List.of("http://ocsp.example.com"), List.of()))
                .leaf();

        assertNull(leaf.getExtensionValue(CRL_DISTRIBUTION_POINTS));
        AccessDescription[] access = AuthorityInformationAccess.getInstance(extension(leaf, AUTHORITY_INFO_ACCESS))
                .getAccessDescriptions();
        assertEquals(1, access.length);
        assertEquals(OCSP, access[0].getAccessMethod().getId());
    }

    @Test
    void withoutUrlsNeitherExtensionIsWritten() {
        X509Certificate none =
                issueWith(PkiFixtures.request(csr().pem()), AuthorityUrls.NONE).leaf();
        X509Certificate defaults = ca.issue(csr().pem()).leaf();

        for (X509Certificate leaf : List.of(none, defaults)) {
            assertNull(leaf.getExtensionValue(CRL_DISTRIBUTION_POINTS));
            assertNull(leaf.getExtensionValue(AUTHORITY_INFO_ACCESS));
        }
    }

    @Test
    void caCertificatesTheIssuerSignsCarryTheUrlsToo() throws Exception {
        String pem = csr().usages(List.of(), true).basicConstraints(true).pem();

        IssuedCertificate issued = issueWith(request(pem, null, true, List.of()), URLS);

        X509Certificate subCa = issued.leaf();
        assertEquals(Integer.MAX_VALUE, subCa.getBasicConstraints());
        assertNotNull(subCa.getExtensionValue(CRL_DISTRIBUTION_POINTS));
        assertNotNull(subCa.getExtensionValue(AUTHORITY_INFO_ACCESS));
        PkiFixtures.validate(issued);
    }

    private static ASN1Primitive extension(X509Certificate certificate, String oid) throws Exception {
        byte[] value = certificate.getExtensionValue(oid);
        assertNotNull(value, oid + " present");
        return ASN1Primitive.fromByteArray(ASN1OctetString.getInstance(value).getOctets());
    }

    private static List<String> uris(GeneralName[] names) {
        List<String> uris = new ArrayList<>();
        for (GeneralName name : names) {
            assertEquals(GeneralName.uniformResourceIdentifier, name.getTagNo());
            uris.add(DERIA5String.getInstance(name.getName()).getString());
        }
        return uris;
    }

    // ---- failures

    @Test
    void aVaultSignatureThatDoesNotVerifyIsCaught() {
        ca.vault().tamperSignatures(signature -> {
            byte[] copy = signature.clone();
            copy[copy.length / 2] ^= 0x01;
            return copy;
        });

        assertThrows(SignatureMismatchException.class, () -> ca.issue(csr().pem()));
    }

    @Test
    void aSignatureFromAnotherKeyIsCaught() {
        PkiFixtures.TestCa other = PkiFixtures.rootCa("P-256");
        VaultKey otherKey = other.vault().importKey("other", TestKeyPairs.fresh("P-256"));
        ca.vault().tamperSignatures(signature -> other.vault().sign(otherKey, SignatureAlgorithm.ES256, new byte[32]));

        assertThrows(SignatureMismatchException.class, () -> ca.issue(csr().pem()));
    }

    @Test
    void vaultErrorsPropagateUnchanged() {
        VaultException throttled = new VaultException(VaultException.Kind.THROTTLED, "Throttled");
        ca.vault().failNext(LocalKeyVault.Operation.SIGN, throttled);

        VaultException thrown = assertThrows(VaultException.class, () -> ca.issue(csr().pem()));
        assertEquals(throttled, thrown);
    }

    @Test
    void anAlgorithmThatDoesNotFitTheCaKeyIsRefusedBeforeSigning() {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> ca.issuer()
                        .issue(PkiFixtures.request(csr().pem()), ca.authority(), ca.key(), SignatureAlgorithm.RS256));
        assertTrue(e.getMessage().contains("RS256"), e.getMessage());
        assertThrows(
                IllegalArgumentException.class,
                () -> ca.issuer()
                        .issue(PkiFixtures.request(csr().pem()), ca.authority(), ca.key(), SignatureAlgorithm.ES384));
        assertEquals(0, ca.vault().signCalls());
    }

    @Test
    void anExpiredCaIsRefused() {
        KeyPair pair = ca.keyPair();
        X509Certificate expired = TestCertificates.builder("CN=Expired Root", pair.getPublic())
                .selfSigned(pair.getPrivate())
                .validity(PkiFixtures.NOW.minus(Duration.ofDays(400)), PkiFixtures.NOW.minus(Duration.ofDays(1)))
                .build();

        CaCertificateException e = assertThrows(
                CaCertificateException.class,
                () -> ca.issuer()
                        .issue(
                                PkiFixtures.request(csr().pem()),
                                CertificateAuthority.of(List.of(expired)),
                                ca.key(),
                                ca.algorithm()));
        assertEquals(CaCertificateException.EXPIRED, e.reason());
        assertEquals(0, ca.vault().signCalls());
    }

    @Test
    void aCaCertificateOfAnotherKeyIsRefused() {
        PkiFixtures.TestCa other = PkiFixtures.rootCa("P-384");

        CaCertificateException e = assertThrows(
                CaCertificateException.class,
                () -> ca.issuer().issue(PkiFixtures.request(csr().pem()), other.authority(), ca.key(), ca.algorithm()));
        assertEquals(CaCertificateException.KEY_MISMATCH, e.reason());
    }

    @Test
    void unknownUsageIsRejected() {
        CsrRejectedException e = assertThrows(
                CsrRejectedException.class,
                () -> ca.issue(request(csr().pem(), null, false, List.of("server auth", "world domination"))));
        assertTrue(e.getMessage().contains("\"world domination\""), e.getMessage());
    }

    @Test
    void csrKeyUsageContradictingTheRequestIsRejected() {
        String pem =
                csr().keyUsage(KeyUsage.digitalSignature | KeyUsage.keyCertSign).pem();

        CsrRejectedException e = assertThrows(CsrRejectedException.class, () -> ca.issue(pem));
        assertTrue(e.getMessage().contains("[digital signature, cert sign]"), e.getMessage());
        assertTrue(e.getMessage().contains("[digital signature, key encipherment]"), e.getMessage());
    }

    @Test
    void csrExtendedKeyUsageContradictingTheRequestIsRejected() {
        String pem = csr().usages(List.of("digital signature", "key encipherment", "client auth"), false)
                .pem();

        CsrRejectedException e = assertThrows(
                CsrRejectedException.class,
                () -> ca.issue(
                        request(pem, null, false, List.of("digital signature", "key encipherment", "server auth"))));
        assertTrue(
                e.getMessage().contains("[client auth]") && e.getMessage().contains("[server auth]"), e.getMessage());
    }

    @Test
    void csrWithKeyUsageButWithoutTheRequestedExtendedUsagesIsRejected() {
        String pem = csr().keyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment)
                .pem();

        assertThrows(
                CsrRejectedException.class,
                () -> ca.issue(
                        request(pem, null, false, List.of("digital signature", "key encipherment", "server auth"))));
    }

    @Test
    void csrBasicConstraintsContradictingIsCaAreRejected() {
        CsrRejectedException e = assertThrows(
                CsrRejectedException.class,
                () -> ca.issue(request(csr().basicConstraints(true).pem(), null, false, List.of())));
        assertTrue(e.getMessage().contains("cA=true") && e.getMessage().contains("isCA=false"), e.getMessage());

        assertThrows(
                CsrRejectedException.class,
                () -> ca.issue(request(csr().basicConstraints(false).pem(), null, true, List.of())));
    }

    @Test
    void csrWithCaUsagesButRequestWithoutIsCaIsRejected() {
        String pem = csr().usages(List.of(), true).pem();

        assertThrows(CsrRejectedException.class, () -> ca.issue(request(pem, null, false, List.of())));
    }

    private static Set<Integer> setBits(boolean[] keyUsage) {
        assertNotNull(keyUsage, "keyUsage extension present");
        Set<Integer> bits = new HashSet<>();
        for (int i = 0; i < keyUsage.length; i++) {
            if (keyUsage[i]) {
                bits.add(i);
            }
        }
        return bits;
    }

    private static byte[] ski(X509Certificate certificate) {
        return SubjectKeyIdentifier.getInstance(ASN1OctetString.getInstance(certificate.getExtensionValue("2.5.29.14"))
                        .getOctets())
                .getKeyIdentifier();
    }

    private static byte[] aki(X509Certificate certificate) {
        return AuthorityKeyIdentifier.getInstance(
                        ASN1OctetString.getInstance(certificate.getExtensionValue("2.5.29.35"))
                                .getOctets())
                .getKeyIdentifier();
    }
}
