package dev.azurekeyvaultissuer.emulator;

/** The caller named by a verified access token. */
record Principal(String appId, String objectId, String tenantId, String issuer) {
    String describe() {
        return "appid=" + appId + ";oid=" + objectId + ";iss=" + issuer;
    }
}
