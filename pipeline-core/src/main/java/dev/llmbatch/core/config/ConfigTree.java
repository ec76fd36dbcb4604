package dev.llmbatch.core.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The steps a config document goes through before it is bound: files merged over defaults, defaults of the entries
 * a user names ({@code models.<pool>}, a list's elements) laid under each of them, and the keys a defaults file marks
 * {@value #REQUIRED} checked. Stateless; every method works on the tree it is given, in place.
 */
public final class ConfigTree {
    /** The value a defaults file gives a key that has no default: still this value after merging is an error. */
    public static final String REQUIRED = "<required>";

    private ConfigTree() {
    }

    /** Merges {@code source} into {@code target}: mappings key by key, anything else (lists too) replaced. */
    public static void merge(ObjectNode target, ObjectNode source) {
        Iterator<Map.Entry<String, JsonNode>> it = source.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode existing = target.get(e.getKey());
            if (existing instanceof ObjectNode eo && e.getValue() instanceof ObjectNode so) {
                merge(eo, so);
            } else {
                target.set(e.getKey(), e.getValue());
            }
        }
    }

    /**
     * Lays each template under every mapping its key matches, keeping what is there: a key is a path whose segments
     * may be {@code *} (every entry of a mapping) and end in {@code [*]} (every element of a list), e.g.
     * {@code models.*.deployments[*]}. Only mappings that exist are filled, so a template never creates an entry;
     * templates apply in document order, so a later one can fill what an earlier one created.
     */
    public static void applyTemplates(ObjectNode root, ObjectNode templates) {
        templates.fields().forEachRemaining(t -> {
            if (!(t.getValue() instanceof ObjectNode template)) {
                throw new IllegalStateException("template " + t.getKey() + " is not a mapping");
            }
            each(root, segments(t.getKey()), 0, template);
        });
    }

    private static List<String> segments(String pattern) {
        List<String> out = new ArrayList<>();
        for (String s : pattern.split("\\.")) {
            if (s.endsWith("[*]")) {
                if (s.length() > 3) {
                    out.add(s.substring(0, s.length() - 3));
                }
                out.add("[*]");
            } else {
                out.add(s);
            }
        }
        return out;
    }

    private static void each(JsonNode node, List<String> segments, int i, ObjectNode template) {
        if (i == segments.size()) {
            if (node instanceof ObjectNode o) {
                underlay(o, template);
            }
            return;
        }
        String s = segments.get(i);
        if (s.equals("[*]")) {
            if (node instanceof ArrayNode a) {
                a.forEach(c -> each(c, segments, i + 1, template));
            }
        } else if (node instanceof ObjectNode o) {
            if (s.equals("*")) {
                o.elements().forEachRemaining(c -> each(c, segments, i + 1, template));
            } else if (o.get(s) != null) {
                each(o.get(s), segments, i + 1, template);
            }
        }
    }

    /**
     * Lays {@code defaults} under {@code node}: keys it lacks are added (after its own, so that binding meets a
     * misspelt key of the file before a record is complete), mappings on both sides are underlaid key by key.
     */
    public static void underlay(ObjectNode node, ObjectNode defaults) {
        defaults.fields().forEachRemaining(d -> {
            JsonNode mine = node.get(d.getKey());
            if (mine == null) {
                node.set(d.getKey(), d.getValue().deepCopy());
            } else if (mine instanceof ObjectNode mo && d.getValue() instanceof ObjectNode dm) {
                underlay(mo, dm);
            }
        });
    }

    /** The path of the first key (in document order) still {@value #REQUIRED}, or null when none is. */
    public static String firstRequired(JsonNode node, String path) {
        if (node instanceof ObjectNode o) {
            Iterator<Map.Entry<String, JsonNode>> it = o.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                String found = firstRequired(e.getValue(), join(path, e.getKey()));
                if (found != null) {
                    return found;
                }
            }
        } else if (node instanceof ArrayNode a) {
            for (int i = 0; i < a.size(); i++) {
                String found = firstRequired(a.get(i), path + "[" + i + "]");
                if (found != null) {
                    return found;
                }
            }
        } else if (node != null && node.isTextual() && REQUIRED.equals(node.textValue())) {
            return path;
        }
        return null;
    }

    /** {@code prefix.key}, or {@code prefix[i]} when the key is a list index; either part may be empty. */
    public static String join(String prefix, String key) {
        if (prefix.isEmpty()) {
            return key;
        }
        if (key.isEmpty()) {
            return prefix;
        }
        return key.startsWith("[") ? prefix + key : prefix + "." + key;
    }
}
