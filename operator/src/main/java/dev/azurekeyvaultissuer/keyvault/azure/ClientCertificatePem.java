package dev.azurekeyvaultissuer.keyvault.azure;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.interfaces.RSAPublicKey;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.pkcs.RSAPrivateKey;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemWriter;

/**
 * Makes a client certificate PEM from a Kubernetes Secret acceptable to azure-identity, which reads only an
 * unencrypted PKCS#8 RSA key ({@code BEGIN PRIVATE KEY}). cert-manager and openssl often write PKCS#1
 * ({@code BEGIN RSA PRIVATE KEY}); both are accepted here, and a wrong input fails with a message about the PEM instead
 * of an opaque error at the first token request.
 */
final class ClientCertificatePem {

    private ClientCertificatePem() {}

    /** The certificates in their order followed by the key as PKCS#8; IllegalArgumentException says what is wrong. */
    static byte[] normalize(byte[] pem) {
        if (pem == null || pem.length == 0) {
            throw new IllegalArgumentException("the client certificate PEM is empty");
        }
        List<X509CertificateHolder> certificates = new ArrayList<>();
        PrivateKeyInfo key = null;
        try (PEMParser parser = new PEMParser(new StringReader(new String(pem, StandardCharsets.US_ASCII)))) {
            Object object;
            while ((object = parser.readObject()) != null) {
                if (object instanceof X509CertificateHolder certificate) {
                    certificates.add(certificate);
                } else if (object instanceof PEMEncryptedKeyPair || object instanceof PKCS8EncryptedPrivateKeyInfo) {
                    throw new IllegalArgumentException("the client certificate's private key is encrypted: store it "
                            + "unencrypted (the Secret is what protects it)");
                } else if (object instanceof PEMKeyPair pair) {
                    key = onlyOne(key, pair.getPrivateKeyInfo());
                } else if (object instanceof PrivateKeyInfo info) {
                    key = onlyOne(key, info);
                }
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("the client certificate PEM cannot be read: " + e.getMessage(), e);
        }
        if (certificates.isEmpty()) {
            throw new IllegalArgumentException("the client certificate PEM holds no CERTIFICATE block");
        }
        if (key == null) {
            throw new IllegalArgumentException("the client certificate PEM holds no private key: put the "
                    + "certificate and its key in the same Secret key");
        }
        if (!PKCSObjectIdentifiers.rsaEncryption.equals(
                key.getPrivateKeyAlgorithm().getAlgorithm())) {
            throw new IllegalArgumentException("the client certificate's key must be RSA: Entra ID and the Azure "
                    + "SDK sign client assertions with RS256");
        }
        requireMatchingKey(certificates.get(0), key);
        try {
            StringWriter out = new StringWriter();
            try (PemWriter writer = new PemWriter(out)) {
                for (X509CertificateHolder certificate : certificates) {
                    writer.writeObject(new PemObject("CERTIFICATE", certificate.getEncoded()));
                }
                writer.writeObject(new PemObject("PRIVATE KEY", key.getEncoded()));
            }
            return out.toString().getBytes(StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new IllegalArgumentException("the client certificate cannot be re-encoded: " + e.getMessage(), e);
        }
    }

    private static PrivateKeyInfo onlyOne(PrivateKeyInfo existing, PrivateKeyInfo found) {
        if (existing != null) {
            throw new IllegalArgumentException("the client certificate PEM holds more than one private key");
        }
        return found;
    }

    private static void requireMatchingKey(X509CertificateHolder certificate, PrivateKeyInfo key) {
        try {
            BigInteger keyModulus =
                    RSAPrivateKey.getInstance(key.parsePrivateKey()).getModulus();
            RSAPublicKey certKey =
                    (RSAPublicKey) new JcaPEMKeyConverter().getPublicKey(certificate.getSubjectPublicKeyInfo());
            if (!certKey.getModulus().equals(keyModulus)) {
                throw new IllegalArgumentException("the private key in the client certificate PEM does not belong "
                        + "to its first certificate (" + certificate.getSubject() + ")");
            }
        } catch (IOException | ClassCastException e) {
            throw new IllegalArgumentException(
                    "the client certificate's first certificate is not an RSA " + "certificate for its key: "
                            + e.getMessage(),
                    e);
        }
    }
}
