package dev.azurekeyvaultissuer.emulator;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A resolved data-plane operation: its counter/fault name (sign, getKey ...), the access-policy permission it needs,
 * the throttle class of the request, and the handler.
 */
record Route(String operation, String collection, String permission, String throttleClass, Handler handler) {

    interface Handler {
        Response handle(ApiRequest request);
    }

    record Response(int status, JsonNode body) {
        static Response ok(JsonNode body) {
            return new Response(200, body);
        }
    }

    static Route of(String operation, String collection, String permission, Handler handler) {
        return new Route(operation, collection, permission, "other", handler);
    }

    boolean mutates() {
        return !permission.equals("get")
                && !permission.equals("list")
                && !permission.equals("sign")
                && !permission.equals("verify");
    }
}
