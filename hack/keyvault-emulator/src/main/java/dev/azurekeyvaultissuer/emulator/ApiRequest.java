package dev.azurekeyvaultissuer.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A data-plane request as the API classes see it: method, decoded path segments, query, body, caller, time. */
final class ApiRequest {
    private final String method;
    private final List<String> segments;
    private final Map<String, String> query;
    private final String baseUrl;
    private final Instant now;
    private byte[] body = new byte[0];
    private Principal principal;

    ApiRequest(String method, String rawPath, String rawQuery, String baseUrl, Instant now) {
        this.method = method;
        this.segments = segments(rawPath);
        this.query = query(rawQuery);
        this.baseUrl = baseUrl;
        this.now = now;
    }

    static List<String> segments(String rawPath) {
        List<String> out = new ArrayList<>();
        String[] parts = (rawPath == null ? "" : rawPath).split("/", -1);
        for (int i = 1; i < parts.length; i++) {
            out.add(URLDecoder.decode(parts[i], StandardCharsets.UTF_8));
        }
        while (!out.isEmpty() && out.get(out.size() - 1).isEmpty()) {
            out.remove(out.size() - 1);
        }
        return out;
    }

    static Map<String, String> query(String rawQuery) {
        Map<String, String> out = new LinkedHashMap<>();
        if (rawQuery == null || rawQuery.isEmpty()) {
            return out;
        }
        for (String pair : rawQuery.split("&")) {
            int eq = pair.indexOf('=');
            String k = eq < 0 ? pair : pair.substring(0, eq);
            String v = eq < 0 ? "" : pair.substring(eq + 1);
            out.put(URLDecoder.decode(k, StandardCharsets.UTF_8), URLDecoder.decode(v, StandardCharsets.UTF_8));
        }
        return out;
    }

    String method() {
        return method;
    }

    List<String> segments() {
        return segments;
    }

    /** The path segment at index, or "" when absent. */
    String segment(int index) {
        return index < segments.size() ? segments.get(index) : "";
    }

    String path() {
        return "/" + String.join("/", segments);
    }

    Map<String, String> query() {
        return query;
    }

    String baseUrl() {
        return baseUrl;
    }

    Instant now() {
        return now;
    }

    void setBody(byte[] body) {
        this.body = body == null ? new byte[0] : body;
    }

    JsonNode json() {
        return Json.parse(body);
    }

    Principal principal() {
        return principal;
    }

    void setPrincipal(Principal principal) {
        this.principal = principal;
    }
}
