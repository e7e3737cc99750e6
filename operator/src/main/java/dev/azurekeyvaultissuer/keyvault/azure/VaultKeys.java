package dev.azurekeyvaultissuer.keyvault.azure;

import com.azure.security.keyvault.keys.models.JsonWebKey;
import com.azure.security.keyvault.keys.models.KeyCurveName;
import com.azure.security.keyvault.keys.models.KeyOperation;
import com.azure.security.keyvault.keys.models.KeyProperties;
import com.azure.security.keyvault.keys.models.KeyType;
import com.azure.security.keyvault.keys.models.KeyVaultKey;
import dev.azurekeyvaultissuer.keyvault.VaultException;
import dev.azurekeyvaultissuer.keyvault.VaultKey;
import java.math.BigInteger;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/** Reads a Key Vault key bundle into the port's {@link VaultKey}: public key, HSM protection, operations, dates. */
final class VaultKeys {

    // Key Vault curve names to the JDK's. P-256K (secp256k1) is missing: SunEC dropped it in JDK 16.
    private static final Map<KeyCurveName, String> CURVES = Map.of(
            KeyCurveName.P_256, "secp256r1",
            KeyCurveName.P_384, "secp384r1",
            KeyCurveName.P_521, "secp521r1");

    private VaultKeys() {}

    static VaultKey toVaultKey(KeyVaultKey key) {
        JsonWebKey jwk = key.getKey();
        KeyProperties properties = key.getProperties();
        String keyId = jwk.getId() != null ? jwk.getId() : properties.getId();
        KeyType type = jwk.getKeyType();
        List<KeyOperation> ops = jwk.getKeyOps() == null ? List.of() : jwk.getKeyOps();
        return new VaultKey(
                keyId,
                publicKey(jwk, keyId),
                KeyType.RSA_HSM.equals(type) || KeyType.EC_HSM.equals(type),
                ops.stream().map(op -> op.toString().toLowerCase(Locale.ROOT)).collect(Collectors.toSet()),
                !Boolean.FALSE.equals(properties.isEnabled()),
                Optional.ofNullable(properties.getNotBefore()).map(OffsetDateTime::toInstant),
                Optional.ofNullable(properties.getExpiresOn()).map(OffsetDateTime::toInstant));
    }

    static PublicKey publicKey(JsonWebKey jwk, String keyId) {
        KeyType type = jwk.getKeyType();
        if (KeyType.RSA.equals(type) || KeyType.RSA_HSM.equals(type)) {
            return jwk.toRsa().getPublic();
        }
        if (KeyType.EC.equals(type) || KeyType.EC_HSM.equals(type)) {
            return ecPublicKey(jwk, keyId);
        }
        throw new VaultException(
                VaultException.Kind.INVALID,
                "key " + keyId + " is of type " + type + ": a CA key must be RSA or EC (RSA, RSA-HSM, EC, EC-HSM)");
    }

    /*
     * JsonWebKey.toEc() generates a throwaway key pair on every call just to learn the curve's parameters, and fails
     * with an IllegalStateException for P-256K on JDK 17. The curve parameters come from AlgorithmParameters instead,
     * and an unsupported curve becomes a message a user can act on.
     */
    private static PublicKey ecPublicKey(JsonWebKey jwk, String keyId) {
        String curve = CURVES.get(jwk.getCurveName());
        if (curve == null) {
            throw new VaultException(
                    VaultException.Kind.INVALID,
                    "key " + keyId + " uses the curve " + jwk.getCurveName()
                            + ": a CA key must be on P-256, P-384 or P-521");
        }
        if (jwk.getX() == null || jwk.getY() == null) {
            throw new VaultException(VaultException.Kind.INVALID, "key " + keyId + " has no public point (x, y)");
        }
        try {
            AlgorithmParameters parameters = AlgorithmParameters.getInstance("EC");
            parameters.init(new ECGenParameterSpec(curve));
            ECParameterSpec spec = parameters.getParameterSpec(ECParameterSpec.class);
            ECPoint point = new ECPoint(new BigInteger(1, jwk.getX()), new BigInteger(1, jwk.getY()));
            return KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(point, spec));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new VaultException(
                    VaultException.Kind.INVALID,
                    "key " + keyId + " has an invalid " + jwk.getCurveName() + " public key: " + e.getMessage(),
                    e);
        }
    }

    /** The key_ops a CA key needs; anything else the vault allows is not our concern. */
    static final Set<String> SIGNING_OPERATIONS = Set.of("sign");
}
