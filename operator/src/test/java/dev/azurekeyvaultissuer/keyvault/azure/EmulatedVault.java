package dev.azurekeyvaultissuer.keyvault.azure;

import dev.azurekeyvaultissuer.emulator.KeyVaultEmulator;
import dev.azurekeyvaultissuer.keyvault.KeyVault;
import dev.azurekeyvaultissuer.keyvault.SignatureAlgorithm;
import dev.azurekeyvaultissuer.keyvault.VaultCredentials;
import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;

/** Test helpers: connecting the adapter to the emulator, and checking signatures with the JDK. */
final class EmulatedVault {

    static final String CLIENT_ID = "issuer-app";
    static final String CLIENT_SECRET = "issuer-app-secret";

    private EmulatedVault() {}

    /** Options for the emulator: its authority and TLS trust, the challenge check off, fast retries. */
    static AzureClientOptions options(KeyVaultEmulator emulator) {
        return AzureClientOptions.defaults()
                .withAuthorityHost(URI.create(emulator.authorityHost()))
                .withSslContext(emulator.sslContext())
                .withChallengeResourceVerificationDisabled()
                .withRetries(new AzureClientOptions.Retries(2, Duration.ofMillis(10), Duration.ofMillis(200)));
    }

    static KeyVault connect(KeyVaultEmulator emulator, AzureClientOptions options, VaultCredentials credentials) {
        return new AzureVaultConnector(options, Optional.empty(), Map.of()).connect(credentials);
    }

    static KeyVault connect(KeyVaultEmulator emulator) {
        return connect(
                emulator,
                options(emulator),
                new VaultCredentials.ClientSecret(emulator.tenantId(), CLIENT_ID, CLIENT_SECRET));
    }

    static byte[] digest(SignatureAlgorithm algorithm, byte[] data) throws Exception {
        return MessageDigest.getInstance(algorithm.digestAlgorithm()).digest(data);
    }

    /** Verifies what the vault returned over {@code data}, as a relying party would: with the JDK alone. */
    static boolean verify(PublicKey key, SignatureAlgorithm algorithm, byte[] data, byte[] signature) throws Exception {
        String hash = algorithm.digestAlgorithm().replace("-", "");
        return switch (algorithm.family()) {
            case RSA_PKCS1 -> {
                Signature verifier = Signature.getInstance(hash + "withRSA");
                verifier.initVerify(key);
                verifier.update(data);
                yield verifier.verify(signature);
            }
            case RSA_PSS -> {
                Signature verifier = Signature.getInstance("RSASSA-PSS");
                verifier.setParameter(new PSSParameterSpec(
                        algorithm.digestAlgorithm(),
                        "MGF1",
                        new MGF1ParameterSpec(algorithm.digestAlgorithm()),
                        algorithm.digestLength(),
                        1));
                verifier.initVerify(key);
                verifier.update(data);
                yield verifier.verify(signature);
            }
            case ECDSA -> {
                Signature verifier = Signature.getInstance(hash + "withECDSA");
                verifier.initVerify(key);
                verifier.update(data);
                yield verifier.verify(derFromRaw(signature));
            }
        };
    }

    /** Key Vault returns ECDSA as r||s; X.509 and the JDK want SEQUENCE { INTEGER r, INTEGER s }. */
    static byte[] derFromRaw(byte[] raw) {
        int half = raw.length / 2;
        byte[] r = derInteger(Arrays.copyOfRange(raw, 0, half));
        byte[] s = derInteger(Arrays.copyOfRange(raw, half, raw.length));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0x30);
        derLength(out, r.length + s.length);
        out.writeBytes(r);
        out.writeBytes(s);
        return out.toByteArray();
    }

    private static byte[] derInteger(byte[] unsigned) {
        byte[] value = new BigInteger(1, unsigned).toByteArray();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0x02);
        derLength(out, value.length);
        out.writeBytes(value);
        return out.toByteArray();
    }

    private static void derLength(ByteArrayOutputStream out, int length) {
        if (length > 127) {
            out.write(0x81);
        }
        out.write(length);
    }

    /** A signed JWT, like a ServiceAccount token, for client assertion and workload identity tests. */
    static String jwt(PrivateKey key, String issuer, String subject, String audience) throws Exception {
        long now = Instant.now().getEpochSecond();
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        String header = b64.encodeToString("{\"alg\":\"RS256\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8));
        String claims = b64.encodeToString(("{\"iss\":\"" + issuer + "\",\"sub\":\"" + subject + "\",\"aud\":[\""
                        + audience + "\"],\"iat\":" + now + ",\"nbf\":" + now + ",\"exp\":" + (now + 600) + "}")
                .getBytes(StandardCharsets.UTF_8));
        Signature signer = Signature.getInstance("SHA256withRSA");
        signer.initSign(key);
        signer.update((header + "." + claims).getBytes(StandardCharsets.US_ASCII));
        return header + "." + claims + "." + b64.encodeToString(signer.sign());
    }
}
