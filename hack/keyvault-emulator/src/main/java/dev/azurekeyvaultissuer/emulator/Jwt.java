package dev.azurekeyvaultissuer.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.security.spec.RSAPublicKeySpec;
import java.util.ArrayList;
import java.util.List;

/** A compact JWS (JWT) parsed into header and claims, with signing and signature verification (RS*, PS*, ES*). */
record Jwt(ObjectNode header, ObjectNode claims, byte[] signingInput, byte[] signature) {

    static Jwt parse(String token) {
        String[] parts = token == null ? new String[0] : token.trim().split("\\.", -1);
        if (parts.length != 3) {
            throw new IllegalArgumentException("not a compact JWS (expected three dot-separated parts)");
        }
        try {
            JsonNode header = Json.MAPPER.readTree(Json.fromB64url(parts[0]));
            JsonNode claims = Json.MAPPER.readTree(Json.fromB64url(parts[1]));
            if (!(header instanceof ObjectNode h) || !(claims instanceof ObjectNode c)) {
                throw new IllegalArgumentException("JWT header and claims must be JSON objects");
            }
            return new Jwt(
                    h, c, (parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII), Json.fromB64url(parts[2]));
        } catch (java.io.IOException | IllegalArgumentException e) {
            throw new IllegalArgumentException("malformed JWT: " + e.getMessage(), e);
        }
    }

    static String sign(ObjectNode header, ObjectNode claims, PrivateKey key) {
        String input = Json.b64url(Json.bytes(header)) + "." + Json.b64url(Json.bytes(claims));
        try {
            Signature s = signature(header.path("alg").asText());
            s.initSign(key);
            s.update(input.getBytes(StandardCharsets.US_ASCII));
            return input + "." + Json.b64url(s.sign());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot sign JWT", e);
        }
    }

    String algorithm() {
        return header.path("alg").asText("");
    }

    String claim(String name) {
        return Json.text(claims, name);
    }

    /** The audiences: the aud claim as a string or an array. */
    List<String> audiences() {
        JsonNode aud = claims.get("aud");
        if (aud == null || aud.isNull()) {
            return List.of();
        }
        return aud.isArray() ? Json.strings(aud) : List.of(aud.asText());
    }

    boolean verify(PublicKey key) {
        try {
            Signature s = signature(algorithm());
            s.initVerify(key);
            s.update(signingInput);
            return s.verify(signature);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            return false;
        }
    }

    private static Signature signature(String alg) throws GeneralSecurityException {
        switch (alg) {
            case "RS256":
                return Signature.getInstance("SHA256withRSA");
            case "RS384":
                return Signature.getInstance("SHA384withRSA");
            case "RS512":
                return Signature.getInstance("SHA512withRSA");
            case "PS256":
            case "PS384":
            case "PS512": {
                String bits = alg.substring(2);
                Signature s = Signature.getInstance("RSASSA-PSS");
                s.setParameter(new PSSParameterSpec(
                        "SHA-" + bits, "MGF1", new MGF1ParameterSpec("SHA-" + bits), Integer.parseInt(bits) / 8, 1));
                return s;
            }
            case "ES256":
                return Signature.getInstance("SHA256withECDSAinP1363Format");
            case "ES384":
                return Signature.getInstance("SHA384withECDSAinP1363Format");
            case "ES512":
                return Signature.getInstance("SHA512withECDSAinP1363Format");
            default:
                throw new IllegalArgumentException("unsupported JWS algorithm '" + alg + "'");
        }
    }

    /** Public keys of a JWKS document ({"keys":[{kty:RSA,n,e} | {kty:EC,crv,x,y}]}), or of a single JWK. */
    static List<PublicKey> publicKeysFromJwks(JsonNode jwks) {
        List<PublicKey> keys = new ArrayList<>();
        JsonNode list = jwks.has("keys") ? jwks.get("keys") : Json.array().add(jwks);
        for (JsonNode jwk : list) {
            keys.add(publicKeyFromJwk(jwk));
        }
        return keys;
    }

    static PublicKey publicKeyFromJwk(JsonNode jwk) {
        try {
            String kty = jwk.path("kty").asText();
            if (kty.startsWith("RSA")) {
                BigInteger n = new BigInteger(1, Json.fromB64url(jwk.path("n").asText()));
                BigInteger e = new BigInteger(1, Json.fromB64url(jwk.path("e").asText()));
                return KeyFactory.getInstance("RSA").generatePublic(new RSAPublicKeySpec(n, e));
            }
            if (kty.startsWith("EC")) {
                BigInteger x = new BigInteger(1, Json.fromB64url(jwk.path("x").asText()));
                BigInteger y = new BigInteger(1, Json.fromB64url(jwk.path("y").asText()));
                return KeyFactory.getInstance("EC")
                        .generatePublic(new ECPublicKeySpec(
                                new ECPoint(x, y), curve(jwk.path("crv").asText())));
            }
            throw new IllegalArgumentException("unsupported JWK kty '" + kty + "'");
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("invalid JWK: " + e.getMessage(), e);
        }
    }

    static ECParameterSpec curve(String crv) throws GeneralSecurityException {
        String name = switch (crv) {
            case "P-256" -> "secp256r1";
            case "P-384" -> "secp384r1";
            case "P-521" -> "secp521r1";
            default -> throw new IllegalArgumentException("unsupported curve '" + crv + "'");
        };
        AlgorithmParameters params = AlgorithmParameters.getInstance("EC");
        params.init(new ECGenParameterSpec(name));
        return params.getParameterSpec(ECParameterSpec.class);
    }
}
