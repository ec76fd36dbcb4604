package dev.llmbatch.core.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * A cursor over one object of a config tree that remembers its path, so every error names the key, and which
 * keys were read, so that unknown keys (usually typos) are reported instead of silently ignored.
 */
final class Node {
    private final JsonNode node;
    private final String path;
    private final Set<String> read = new HashSet<>();

    Node(JsonNode node, String path) {
        if (node == null || !node.isObject()) {
            throw new ConfigException(path + " must be a mapping");
        }
        this.node = node;
        this.path = path;
    }

    String path() {
        return path;
    }

    String key(String field) {
        return path.isEmpty() ? field : path + "." + field;
    }

    private JsonNode raw(String field) {
        read.add(field);
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? null : v;
    }

    boolean has(String field) {
        return raw(field) != null;
    }

    String string(String field) {
        JsonNode v = raw(field);
        if (v == null) {
            throw new ConfigException(key(field) + " is required");
        }
        if (!v.isValueNode()) {
            throw new ConfigException(key(field) + " must be a string");
        }
        return v.asText();
    }

    String optString(String field) {
        JsonNode v = raw(field);
        if (v == null || v.asText().isEmpty()) {
            return null;
        }
        return string(field);
    }

    long longAtLeast(String field, long min) {
        JsonNode v = raw(field);
        if (v == null) {
            throw new ConfigException(key(field) + " is required");
        }
        long value;
        if (v.isIntegralNumber()) {
            value = v.asLong();
        } else if (v.isTextual()) {
            try {
                value = Long.parseLong(v.asText().trim());
            } catch (NumberFormatException e) {
                throw new ConfigException(key(field) + " must be a whole number, got '" + v.asText() + "'");
            }
        } else {
            throw new ConfigException(key(field) + " must be a whole number");
        }
        if (value < min) {
            throw new ConfigException(key(field) + " must be >= " + min + ", got " + value);
        }
        return value;
    }

    int intAtLeast(String field, int min) {
        long v = longAtLeast(field, min);
        if (v > Integer.MAX_VALUE) {
            throw new ConfigException(key(field) + " is too large: " + v);
        }
        return (int) v;
    }

    double doubleIn(String field, double min, double max) {
        JsonNode v = raw(field);
        if (v == null) {
            throw new ConfigException(key(field) + " is required");
        }
        double value;
        if (v.isNumber()) {
            value = v.asDouble();
        } else {
            try {
                value = Double.parseDouble(v.asText().trim());
            } catch (NumberFormatException e) {
                throw new ConfigException(key(field) + " must be a number, got '" + v.asText() + "'");
            }
        }
        if (!(value >= min && value <= max)) {
            throw new ConfigException(key(field) + " must be between " + min + " and " + max + ", got " + value);
        }
        return value;
    }

    boolean bool(String field) {
        JsonNode v = raw(field);
        if (v == null) {
            throw new ConfigException(key(field) + " is required");
        }
        if (v.isBoolean()) {
            return v.asBoolean();
        }
        String s = v.asText().trim();
        if (s.equalsIgnoreCase("true") || s.equalsIgnoreCase("false")) {
            return Boolean.parseBoolean(s);
        }
        throw new ConfigException(key(field) + " must be true or false, got '" + s + "'");
    }

    Duration millis(String field, long min) {
        return Duration.ofMillis(longAtLeast(field, min));
    }

    Node child(String field) {
        JsonNode v = raw(field);
        if (v == null) {
            throw new ConfigException(key(field) + " is required");
        }
        return new Node(v, key(field));
    }

    JsonNode rawChild(String field) {
        return raw(field);
    }

    /** The entries of a mapping-valued field, in file order; empty when absent. */
    Map<String, JsonNode> entries(String field) {
        JsonNode v = raw(field);
        Map<String, JsonNode> out = new LinkedHashMap<>();
        if (v == null) {
            return out;
        }
        if (!v.isObject()) {
            throw new ConfigException(key(field) + " must be a mapping");
        }
        Iterator<Map.Entry<String, JsonNode>> it = v.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            out.put(e.getKey(), e.getValue());
        }
        return out;
    }

    /** Fails on keys that were never read: they are typos or keys from another version. */
    void rejectUnknown() {
        Iterator<String> it = ((ObjectNode) node).fieldNames();
        while (it.hasNext()) {
            String f = it.next();
            if (!read.contains(f)) {
                throw new ConfigException(key(f) + " is not a known key");
            }
        }
    }
}
