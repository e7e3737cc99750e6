package dev.azurekeyvaultissuer.keyvault;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Names a key in a vault or Managed HSM: the vault URL, the key's name and, when pinned, its version. Without a
 * version the key's current version is meant, which is how rotation is followed.
 */
public record KeyReference(URI vaultUrl, String name, Optional<String> version) {

    // Key Vault object names: 1-127 characters of letters, digits and dashes.
    private static final Pattern NAME = Pattern.compile("[0-9A-Za-z-]{1,127}");
    // Versions are 32 hex characters in vaults and Managed HSMs alike.
    private static final Pattern VERSION = Pattern.compile("[0-9A-Za-z]{1,64}");
    private static final String AZURE_KMS_SCHEME = "azurekms";

    public KeyReference {
        vaultUrl = VaultUrls.normalize(vaultUrl);
        requireName(name, "key name");
        version = version.filter(v -> !v.isBlank());
        version.ifPresent(v -> {
            if (!VERSION.matcher(v).matches()) {
                throw new IllegalArgumentException("key version \"" + v + "\" is not a Key Vault version id");
            }
        });
    }

    public static KeyReference of(String vaultUrl, String name, String version) {
        return new KeyReference(VaultUrls.parse(vaultUrl), name, Optional.ofNullable(version));
    }

    /**
     * Parses cosign's form {@code azurekms://<vault-host>/<key>[/<version>]}. A host without a dot is a vault name
     * in the public cloud ({@code contoso} means {@code contoso.vault.azure.net}).
     */
    public static KeyReference parseAzureKms(String uri) {
        URI parsed;
        try {
            parsed = new URI(uri.trim());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("keyURI \"" + uri + "\" is not a URI: " + e.getReason());
        }
        if (!AZURE_KMS_SCHEME.equals(parsed.getScheme()) || parsed.getHost() == null) {
            throw new IllegalArgumentException(
                    "keyURI \"" + uri + "\" must look like azurekms://<vault-host>/<key-name>[/<key-version>]");
        }
        String host = parsed.getHost().contains(".") ? parsed.getHost() : parsed.getHost() + ".vault.azure.net";
        String authority = parsed.getPort() > 0 ? host + ":" + parsed.getPort() : host;
        String[] segments = parsed.getPath() == null
                ? new String[0]
                : parsed.getPath().replaceFirst("^/", "").split("/");
        if (segments.length < 1 || segments.length > 2 || segments[0].isEmpty()) {
            throw new IllegalArgumentException(
                    "keyURI \"" + uri + "\" must look like azurekms://<vault-host>/<key-name>[/<key-version>]");
        }
        return new KeyReference(
                URI.create("https://" + authority),
                segments[0],
                Optional.ofNullable(segments.length == 2 ? segments[1] : null));
    }

    /** Managed HSM pools hold keys only: their CA chain has to come from somewhere else. */
    public boolean isManagedHsm() {
        return VaultUrls.isManagedHsm(vaultUrl);
    }

    /** The same key at a given version, e.g. the current one that the vault reported. */
    public KeyReference atVersion(String newVersion) {
        return new KeyReference(vaultUrl, name, Optional.of(newVersion));
    }

    @Override
    public String toString() {
        return vaultUrl + "/keys/" + name + version.map(v -> "/" + v).orElse("");
    }

    static void requireName(String name, String what) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException(
                    what + " \"" + name + "\" is not a Key Vault name (1-127 letters, digits and dashes)");
        }
    }

    static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }
}
