package dev.azurekeyvaultissuer.emulator;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The emulator's own key material: a self-signed TLS server certificate for 127.0.0.1 and localhost (plus a bind
 * address and vault DNS names when configured), and the RSA key
 * that signs access tokens. Written to a directory as:
 * <ul>
 *   <li>{@value #CERT_PEM}: the server certificate (the only trust anchor clients need), PEM;</li>
 *   <li>{@value #TRUST_STORE}: the same as a PKCS12 trust store, password {@value #TRUST_STORE_PASSWORD};</li>
 *   <li>{@value #KEY_STORE}: the private keys (TLS and token signing), PKCS12, same password, reused on restart so
 *   clients keep trusting the emulator and holding valid tokens.</li>
 * </ul>
 */
final class TlsMaterial {
    static final String CERT_PEM = "emulator-cert.pem";
    static final String TRUST_STORE = "emulator-truststore.p12";
    static final String KEY_STORE = "emulator-keys.p12";
    static final String TRUST_STORE_PASSWORD = "changeit";
    private static final String TLS_ALIAS = "tls";
    private static final String TOKEN_ALIAS = "token-signing";

    private final KeyStore keyStore;
    private final X509Certificate serverCertificate;
    private final KeyPair tokenSigningKey;
    private final X509Certificate tokenSigningCertificate;

    private TlsMaterial(KeyStore keyStore) throws GeneralSecurityException {
        this.keyStore = keyStore;
        this.serverCertificate = (X509Certificate) keyStore.getCertificate(TLS_ALIAS);
        this.tokenSigningCertificate = (X509Certificate) keyStore.getCertificate(TOKEN_ALIAS);
        this.tokenSigningKey = new KeyPair(tokenSigningCertificate.getPublicKey(), (PrivateKey)
                keyStore.getKey(TOKEN_ALIAS, TRUST_STORE_PASSWORD.toCharArray()));
    }

    /** Loads the key store from dir when it holds a valid one, else generates new material; then writes the files. */
    static TlsMaterial loadOrCreate(Path dir) {
        return loadOrCreate(dir, List.of("127.0.0.1", "localhost"));
    }

    /** As {@link #loadOrCreate(Path)}, with a certificate for these names (IP addresses or DNS names). */
    static TlsMaterial loadOrCreate(Path dir, List<String> names) {
        try {
            Files.createDirectories(dir);
            Path ks = dir.resolve(KEY_STORE);
            TlsMaterial material = null;
            if (Files.isRegularFile(ks)) {
                material = tryLoad(ks);
            }
            if (material != null && !material.names(names)) {
                material = null; // the names changed: a new certificate
            }
            if (material == null) {
                material = generate(names);
            }
            material.writeTo(dir);
            return material;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot create TLS material", e);
        }
    }

    private static TlsMaterial tryLoad(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(in, TRUST_STORE_PASSWORD.toCharArray());
            if (!ks.isKeyEntry(TLS_ALIAS) || !ks.isKeyEntry(TOKEN_ALIAS)) {
                return null;
            }
            TlsMaterial m = new TlsMaterial(ks);
            m.serverCertificate.checkValidity(Date.from(Instant.now().plus(Duration.ofDays(1))));
            return m;
        } catch (IOException | GeneralSecurityException e) {
            return null;
        }
    }

    private boolean names(List<String> names) {
        try {
            java.util.Collection<List<?>> sans = serverCertificate.getSubjectAlternativeNames();
            java.util.Set<String> have = new java.util.HashSet<>();
            if (sans != null) {
                sans.forEach(san -> have.add(String.valueOf(san.get(1))));
            }
            return have.equals(new java.util.HashSet<>(names));
        } catch (java.security.cert.CertificateParsingException e) {
            return false;
        }
    }

    private static TlsMaterial generate(List<String> names) throws GeneralSecurityException {
        KeyPairGenerator ec = KeyPairGenerator.getInstance("EC");
        ec.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair tls = ec.generateKeyPair();
        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(2048);
        KeyPair token = rsa.generateKeyPair();
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try {
            ks.load(null, null);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        char[] pw = TRUST_STORE_PASSWORD.toCharArray();
        ks.setKeyEntry(TLS_ALIAS, tls.getPrivate(), pw, new Certificate[] {serverCertificate(tls, names)});
        ks.setKeyEntry(TOKEN_ALIAS, token.getPrivate(), pw, new Certificate[] {
            selfSigned(token, "CN=keyvault-emulator token signing (TEST ONLY)", "SHA256withRSA", false)
        });
        return new TlsMaterial(ks);
    }

    private static X509Certificate serverCertificate(KeyPair kp, List<String> names) throws GeneralSecurityException {
        return selfSigned(
                kp,
                "CN=keyvault-emulator (TEST ONLY - NOT FOR PRODUCTION),O=azure-keyvault-issuer test tools",
                "SHA256withECDSA",
                names);
    }

    private static X509Certificate selfSigned(KeyPair kp, String subject, String alg, boolean tls)
            throws GeneralSecurityException {
        return selfSigned(kp, subject, alg, tls ? List.of("127.0.0.1", "localhost") : null);
    }

    private static X509Certificate selfSigned(KeyPair kp, String subject, String alg, List<String> tlsNames)
            throws GeneralSecurityException {
        try {
            X500Name name = new X500Name(subject);
            Instant now = Instant.now();
            JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(
                    name,
                    new BigInteger(127, new SecureRandom()).add(BigInteger.ONE),
                    Date.from(now.minus(Duration.ofHours(1))),
                    Date.from(now.plus(Duration.ofDays(825))),
                    name,
                    kp.getPublic());
            if (tlsNames != null) {
                b.addExtension(
                        Extension.subjectAlternativeName,
                        false,
                        new GeneralNames(tlsNames.stream()
                                .map(n -> new GeneralName(
                                        n.matches("[0-9.]+|.*:.*") ? GeneralName.iPAddress : GeneralName.dNSName, n))
                                .toArray(GeneralName[]::new)));
                // CA:TRUE so that tools that insist on a CA as trust anchor (openssl, curl) accept it too.
                b.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
                b.addExtension(
                        Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyCertSign));
                b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
            }
            return new JcaX509CertificateConverter()
                    .getCertificate(b.build(new JcaContentSignerBuilder(alg).build(kp.getPrivate())));
        } catch (OperatorCreationException | IOException e) {
            throw new GeneralSecurityException(e);
        }
    }

    private void writeTo(Path dir) throws IOException, GeneralSecurityException {
        writeAtomically(dir.resolve(CERT_PEM), Pem.write(serverCertificate).getBytes(StandardCharsets.US_ASCII));
        KeyStore trust = trustStore();
        writeAtomically(dir.resolve(TRUST_STORE), out -> trust.store(out, TRUST_STORE_PASSWORD.toCharArray()));
        writeAtomically(dir.resolve(KEY_STORE), out -> keyStore.store(out, TRUST_STORE_PASSWORD.toCharArray()));
    }

    interface Writer {
        void write(OutputStream out) throws IOException, GeneralSecurityException;
    }

    private static void writeAtomically(Path file, byte[] content) throws IOException, GeneralSecurityException {
        writeAtomically(file, out -> out.write(content));
    }

    private static void writeAtomically(Path file, Writer writer) throws IOException, GeneralSecurityException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (OutputStream out = Files.newOutputStream(tmp)) {
            writer.write(out);
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    X509Certificate serverCertificate() {
        return serverCertificate;
    }

    KeyPair tokenSigningKey() {
        return tokenSigningKey;
    }

    X509Certificate tokenSigningCertificate() {
        return tokenSigningCertificate;
    }

    KeyStore trustStore() {
        try {
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("keyvault-emulator", serverCertificate);
            return trust;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The server side: presents the TLS certificate. */
    SSLContext serverContext() {
        try {
            KeyStore tlsOnly = KeyStore.getInstance("PKCS12");
            tlsOnly.load(null, null);
            char[] pw = TRUST_STORE_PASSWORD.toCharArray();
            tlsOnly.setKeyEntry(TLS_ALIAS, keyStore.getKey(TLS_ALIAS, pw), pw, keyStore.getCertificateChain(TLS_ALIAS));
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(tlsOnly, pw);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf.getKeyManagers(), null, null);
            return ctx;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The client side: trusts the emulator's certificate only. */
    SSLContext clientContext() {
        try {
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trustStore());
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
