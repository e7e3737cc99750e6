package dev.azurekeyvaultissuer.pki;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.azurekeyvaultissuer.keyvault.SignatureAlgorithm;
import dev.azurekeyvaultissuer.keyvault.VaultException;
import dev.azurekeyvaultissuer.keyvault.VaultKey;
import dev.azurekeyvaultissuer.testing.LocalKeyVault;
import dev.azurekeyvaultissuer.testing.TestKeyPairs;
import java.io.IOException;
import java.security.KeyPair;
import java.security.Signature;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.util.Arrays;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.RSASSAPSSparams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class VaultContentSignerTest {

    private static final byte[] DATA = "the TBSCertificate".getBytes();

    private final LocalKeyVault vault = new LocalKeyVault();
    private final KeyPair rsa = TestKeyPairs.rsa(2048);
    private final VaultKey rsaKey = vault.importKey("rsa", rsa);
    private final VaultKey ecKey = vault.importKey("ec", TestKeyPairs.ec("P-384"));

    private byte[] sign(VaultKey key, SignatureAlgorithm algorithm) throws IOException {
        VaultContentSigner signer = new VaultContentSigner(vault, key, algorithm);
        signer.getOutputStream().write(DATA);
        return signer.getSignature();
    }

    @ParameterizedTest
    @EnumSource(
            value = SignatureAlgorithm.class,
            names = {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512"})
    void rsaSignaturesVerifyWithTheJdk(SignatureAlgorithm algorithm) throws Exception {
        byte[] signature = sign(rsaKey, algorithm);

        String hash = algorithm.digestAlgorithm();
        Signature verifier;
        if (algorithm.family() == SignatureAlgorithm.Family.RSA_PSS) {
            verifier = Signature.getInstance("RSASSA-PSS");
            verifier.setParameter(
                    new PSSParameterSpec(hash, "MGF1", new MGF1ParameterSpec(hash), algorithm.digestLength(), 1));
        } else {
            verifier = Signature.getInstance(hash.replace("-", "") + "withRSA");
        }
        verifier.initVerify(rsa.getPublic());
        verifier.update(DATA);
        assertTrue(verifier.verify(signature));
        assertEquals(1, vault.signCalls());
    }

    @Test
    void ecdsaSignaturesComeBackAsDer() throws Exception {
        byte[] signature = sign(ecKey, SignatureAlgorithm.ES384);

        assertEquals(0x30, signature[0], "a DER SEQUENCE, not raw r||s");
        Signature verifier = Signature.getInstance("SHA384withECDSA");
        verifier.initVerify(ecKey.publicKey());
        verifier.update(DATA);
        assertTrue(verifier.verify(signature));
    }

    @Test
    void pssIdentifierCarriesTheSaltLengthOfTheHash() {
        var identifier = new VaultContentSigner(vault, rsaKey, SignatureAlgorithm.PS384).getAlgorithmIdentifier();

        assertEquals(PKCSObjectIdentifiers.id_RSASSA_PSS, identifier.getAlgorithm());
        assertEquals(
                48,
                RSASSAPSSparams.getInstance(identifier.getParameters())
                        .getSaltLength()
                        .intValue());
    }

    @Test
    void refusesAlgorithmsThatDoNotFitTheKey() {
        assertThrows(
                IllegalArgumentException.class, () -> new VaultContentSigner(vault, rsaKey, SignatureAlgorithm.ES256));
        assertThrows(
                IllegalArgumentException.class, () -> new VaultContentSigner(vault, ecKey, SignatureAlgorithm.ES256));
        assertThrows(
                IllegalArgumentException.class, () -> new VaultContentSigner(vault, ecKey, SignatureAlgorithm.PS384));
    }

    @Test
    void refusesCaKeysOnCurvesOutsideTheProfile() {
        VaultKey k1 = vault.importKey("k1", TestKeyPairs.bcEc("secp256k1"));

        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class, () -> new VaultContentSigner(vault, k1, SignatureAlgorithm.ES256));
        assertTrue(e.getMessage().contains("secp256k1"), e.getMessage());
    }

    @Test
    void aWrongSignatureIsNeverReturned() {
        vault.tamperSignatures(s -> {
            byte[] copy = s.clone();
            copy[5] ^= 0x40;
            return copy;
        });

        assertThrows(SignatureMismatchException.class, () -> sign(rsaKey, SignatureAlgorithm.PS256));
        assertThrows(SignatureMismatchException.class, () -> sign(ecKey, SignatureAlgorithm.ES384));
    }

    @Test
    void aRawEcdsaSignatureOfTheWrongWidthIsCaught() {
        vault.tamperSignatures(s -> Arrays.copyOf(s, 64));

        SignatureMismatchException e =
                assertThrows(SignatureMismatchException.class, () -> sign(ecKey, SignatureAlgorithm.ES384));
        assertTrue(e.getMessage().contains("expected 96"), e.getMessage());
    }

    @Test
    void vaultFailuresPropagate() {
        VaultException forbidden = new VaultException(VaultException.Kind.FORBIDDEN, "ForbiddenByRbac: keys/sign");
        vault.failNext(LocalKeyVault.Operation.SIGN, forbidden);

        assertSame(forbidden, assertThrows(VaultException.class, () -> sign(rsaKey, SignatureAlgorithm.RS256)));
    }

    @Test
    void signsOnce() throws IOException {
        VaultContentSigner signer = new VaultContentSigner(vault, rsaKey, SignatureAlgorithm.RS256);
        signer.getOutputStream().write(DATA);
        signer.getSignature();

        assertThrows(IllegalStateException.class, signer::getSignature);
        assertEquals(1, vault.signCalls());
    }
}
