package dev.azurekeyvaultissuer.keyvault;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/** Vault URLs are HTTPS origins; anything else is refused before a request could carry a token over plain HTTP. */
final class VaultUrls {

    private VaultUrls() {}

    static URI parse(String url) {
        if (url == null || url.isBlank()) {
            throw new IllegalArgumentException("vault URL is empty");
        }
        try {
            return normalize(new URI(url.trim()));
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("vault URL \"" + url + "\" is not a URL: " + e.getReason());
        }
    }

    static URI normalize(URI url) {
        if (url == null || !"https".equalsIgnoreCase(url.getScheme()) || url.getHost() == null) {
            throw new IllegalArgumentException(
                    "vault URL \"" + url + "\" must be an https URL such as https://contoso.vault.azure.net");
        }
        String path = url.getPath();
        if (path != null && !path.isEmpty() && !path.equals("/")) {
            throw new IllegalArgumentException("vault URL \"" + url + "\" must not have a path");
        }
        String authority = url.getHost().toLowerCase(Locale.ROOT) + (url.getPort() > 0 ? ":" + url.getPort() : "");
        return URI.create("https://" + authority);
    }

    static boolean isManagedHsm(URI vaultUrl) {
        return vaultUrl.getHost().contains(".managedhsm.");
    }
}
