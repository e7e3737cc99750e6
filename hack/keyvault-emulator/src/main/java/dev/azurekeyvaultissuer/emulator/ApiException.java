package dev.azurekeyvaultissuer.emulator;

import java.util.LinkedHashMap;
import java.util.Map;

/** An error answered in Key Vault's shape: {"error":{"code","message","innererror":{"code"}}}. */
final class ApiException extends RuntimeException {
    private final int status;
    private final String code;
    private final String innerCode;
    private final Map<String, String> headers = new LinkedHashMap<>();
    private final boolean emptyBody;

    ApiException(int status, String code, String message, String innerCode) {
        this(status, code, message, innerCode, false);
    }

    ApiException(int status, String code, String message, String innerCode, boolean emptyBody) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
        this.innerCode = innerCode;
        this.emptyBody = emptyBody;
    }

    ApiException header(String name, String value) {
        headers.put(name, value);
        return this;
    }

    int status() {
        return status;
    }

    String code() {
        return code;
    }

    String innerCode() {
        return innerCode;
    }

    Map<String, String> headers() {
        return headers;
    }

    boolean emptyBody() {
        return emptyBody;
    }
}
