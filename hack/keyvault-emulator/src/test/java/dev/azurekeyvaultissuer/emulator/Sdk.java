package dev.azurekeyvaultissuer.emulator;

import com.azure.core.credential.TokenCredential;
import com.azure.core.http.HttpClient;
import com.azure.core.http.jdk.httpclient.JdkHttpClientBuilder;
import com.azure.core.http.policy.FixedDelayOptions;
import com.azure.core.http.policy.RetryOptions;
import com.azure.identity.ClientSecretCredentialBuilder;
import com.azure.security.keyvault.certificates.CertificateClient;
import com.azure.security.keyvault.certificates.CertificateClientBuilder;
import com.azure.security.keyvault.keys.KeyClient;
import com.azure.security.keyvault.keys.KeyClientBuilder;
import com.azure.security.keyvault.keys.cryptography.CryptographyClient;
import com.azure.security.keyvault.keys.cryptography.CryptographyClientBuilder;
import com.azure.security.keyvault.secrets.SecretClient;
import com.azure.security.keyvault.secrets.SecretClientBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Arrays;
import org.bouncycastle.asn1.ASN1EncodableVector;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.DERSequence;

/** Real Azure SDK clients pointed at an emulator: the exact settings a client of the emulator needs. */
final class Sdk {
    private Sdk() {}

    static HttpClient http(KeyVaultEmulator kv) {
        return new JdkHttpClientBuilder(java.net.http.HttpClient.newBuilder().sslContext(kv.sslContext())).build();
    }

    static HttpClient http(KeyVaultEmulator kv, Duration responseTimeout) {
        return new JdkHttpClientBuilder(java.net.http.HttpClient.newBuilder().sslContext(kv.sslContext()))
                .responseTimeout(responseTimeout)
                .build();
    }

    /** One retry 20 ms later: keeps negative tests fast. */
    static RetryOptions fastRetry() {
        return new RetryOptions(new FixedDelayOptions(1, Duration.ofMillis(20)));
    }

    static TokenCredential secretCredential(KeyVaultEmulator kv, String clientId, String secret) {
        return new ClientSecretCredentialBuilder()
                .tenantId(kv.tenantId())
                .clientId(clientId)
                .clientSecret(secret)
                .authorityHost(kv.authorityHost())
                .disableInstanceDiscovery()
                .httpClient(http(kv))
                .build();
    }

    static KeyClient keys(KeyVaultEmulator kv, String vault, TokenCredential credential) {
        return new KeyClientBuilder()
                .vaultUrl(kv.vaultUrl(vault))
                .credential(credential)
                .httpClient(http(kv))
                .disableChallengeResourceVerification()
                .retryOptions(fastRetry())
                .buildClient();
    }

    static CryptographyClient crypto(KeyVaultEmulator kv, String keyId, TokenCredential credential) {
        return crypto(kv, keyId, credential, fastRetry());
    }

    static CryptographyClient crypto(
            KeyVaultEmulator kv, String keyId, TokenCredential credential, RetryOptions retry) {
        return new CryptographyClientBuilder()
                .keyIdentifier(keyId)
                .credential(credential)
                .httpClient(http(kv))
                .disableChallengeResourceVerification()
                .disableKeyCaching()
                .retryOptions(retry)
                .buildClient();
    }

    static SecretClient secrets(KeyVaultEmulator kv, String vault, TokenCredential credential) {
        return new SecretClientBuilder()
                .vaultUrl(kv.vaultUrl(vault))
                .credential(credential)
                .httpClient(http(kv))
                .disableChallengeResourceVerification()
                .retryOptions(fastRetry())
                .buildClient();
    }

    static CertificateClient certificates(KeyVaultEmulator kv, String vault, TokenCredential credential) {
        return new CertificateClientBuilder()
                .vaultUrl(kv.vaultUrl(vault))
                .credential(credential)
                .httpClient(http(kv))
                .disableChallengeResourceVerification()
                .retryOptions(fastRetry())
                .buildClient();
    }

    static byte[] sha(int bits, byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-" + bits).digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** ECDSA raw r||s (Key Vault's form) to DER SEQUENCE { INTEGER r, INTEGER s } (the JDK's form). */
    static byte[] rawToDer(byte[] raw) {
        int half = raw.length / 2;
        ASN1EncodableVector v = new ASN1EncodableVector();
        v.add(new ASN1Integer(new BigInteger(1, Arrays.copyOfRange(raw, 0, half))));
        v.add(new ASN1Integer(new BigInteger(1, Arrays.copyOfRange(raw, half, raw.length))));
        try {
            return new DERSequence(v).getEncoded();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A raw HTTPS request (no SDK), for asserting exact status, headers and bodies. */
    static HttpResponse<String> raw(KeyVaultEmulator kv, String method, String url, String bearer, String body) {
        java.net.http.HttpClient client = java.net.http.HttpClient.newBuilder()
                .sslContext(kv.sslContext())
                .build();
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url))
                .timeout(Duration.ofSeconds(20))
                .method(
                        method,
                        body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .header("Content-Type", "application/json");
        if (bearer != null) {
            b.header("Authorization", "Bearer " + bearer);
        }
        try {
            return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
