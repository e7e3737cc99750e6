package dev.azurekeyvaultissuer.keyvault.azure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaMiscPEMGenerator;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcePEMEncryptorBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.util.io.pem.PemObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ClientCertificatePemTest {

    private static KeyPair rsa;
    private static KeyPair otherRsa;
    private static X509CertificateHolder certificate;

    @BeforeAll
    static void keys() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        rsa = generator.generateKeyPair();
        otherRsa = generator.generateKeyPair();
        certificate = selfSigned(rsa);
    }

    static X509CertificateHolder selfSigned(KeyPair pair) throws Exception {
        Instant now = Instant.now();
        return new JcaX509v3CertificateBuilder(
                        new X500Name("CN=client"),
                        BigInteger.TEN,
                        Date.from(now.minus(1, ChronoUnit.HOURS)),
                        Date.from(now.plus(1, ChronoUnit.DAYS)),
                        new X500Name("CN=client"),
                        pair.getPublic())
                .build(new JcaContentSignerBuilder("SHA256withRSA").build(pair.getPrivate()));
    }

    static String pem(Object... objects) throws Exception {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
            for (Object o : objects) {
                writer.writeObject(
                        o instanceof PemObject p
                                ? new org.bouncycastle.util.io.pem.PemObject(p.getType(), p.getContent())
                                : o);
            }
        }
        return out.toString();
    }

    static String pkcs8(PrivateKey key) throws Exception {
        return pem(new PemObject("PRIVATE KEY", key.getEncoded()));
    }

    @Test
    void pkcs1KeysBecomePkcs8() throws Exception {
        // JcaPEMWriter writes an RSA private key as PKCS#1, as openssl and cert-manager do.
        String input = pem(certificate, rsa.getPrivate());
        assertTrue(input.contains("BEGIN RSA PRIVATE KEY"), input);

        String output = new String(
                ClientCertificatePem.normalize(input.getBytes(StandardCharsets.US_ASCII)), StandardCharsets.US_ASCII);

        assertTrue(output.contains("-----BEGIN CERTIFICATE-----"), output);
        assertTrue(output.contains("-----BEGIN PRIVATE KEY-----"), output);
        assertFalse(output.contains("RSA PRIVATE KEY"), output);
        assertTrue(output.indexOf("CERTIFICATE") < output.indexOf("PRIVATE KEY"), output);
    }

    @Test
    void pkcs8KeyBeforeTheCertificateIsFine() throws Exception {
        String output = new String(
                ClientCertificatePem.normalize(
                        (pkcs8(rsa.getPrivate()) + pem(certificate)).getBytes(StandardCharsets.US_ASCII)),
                StandardCharsets.US_ASCII);

        assertTrue(output.startsWith("-----BEGIN CERTIFICATE-----"), output);
    }

    @Test
    void aKeyOfAnotherCertificateIsRefused() throws Exception {
        byte[] input = (pem(certificate) + pkcs8(otherRsa.getPrivate())).getBytes(StandardCharsets.US_ASCII);

        var e = assertThrows(IllegalArgumentException.class, () -> ClientCertificatePem.normalize(input));

        assertTrue(e.getMessage().contains("does not belong"), e.getMessage());
    }

    @Test
    void whatIsMissingIsSaid() throws Exception {
        assertEquals(
                "the client certificate PEM holds no private key: put the certificate and its key in the same "
                        + "Secret key",
                assertThrows(
                                IllegalArgumentException.class,
                                () -> ClientCertificatePem.normalize(
                                        pem(certificate).getBytes(StandardCharsets.US_ASCII)))
                        .getMessage());
        assertEquals(
                "the client certificate PEM holds no CERTIFICATE block",
                assertThrows(
                                IllegalArgumentException.class,
                                () -> ClientCertificatePem.normalize(
                                        pkcs8(rsa.getPrivate()).getBytes(StandardCharsets.US_ASCII)))
                        .getMessage());
        assertThrows(IllegalArgumentException.class, () -> ClientCertificatePem.normalize(new byte[0]));
    }

    @Test
    void encryptedAndEcKeysAreRefused() throws Exception {
        String encrypted;
        StringWriter out = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
            writer.writeObject(new JcaMiscPEMGenerator(
                    rsa.getPrivate(),
                    new JcePEMEncryptorBuilder("AES-128-CBC")
                            .setProvider(new org.bouncycastle.jce.provider.BouncyCastleProvider())
                            .build("pw".toCharArray())));
        }
        encrypted = pem(certificate) + out;
        KeyPairGenerator ec = KeyPairGenerator.getInstance("EC");
        ec.initialize(256);

        assertTrue(assertThrows(
                        IllegalArgumentException.class,
                        () -> ClientCertificatePem.normalize(encrypted.getBytes(StandardCharsets.US_ASCII)))
                .getMessage()
                .contains("encrypted"));
        assertTrue(assertThrows(
                        IllegalArgumentException.class,
                        () -> ClientCertificatePem.normalize(
                                (pem(certificate) + pkcs8(ec.generateKeyPair().getPrivate()))
                                        .getBytes(StandardCharsets.US_ASCII)))
                .getMessage()
                .contains("must be RSA"));
    }
}
