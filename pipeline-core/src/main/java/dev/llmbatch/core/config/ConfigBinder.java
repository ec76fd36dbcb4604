package dev.llmbatch.core.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.introspect.BeanPropertyDefinition;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.BiFunction;

/**
 * Binds a config tree to records with Jackson, and turns every binding failure into one exception that names the
 * key path and says what is wrong ({@code models.m.deployments[0].tpm must be an integer, got "lots"}). Records are
 * bound directly: kebab-case keys, every key of the tree must be a record component (unknown keys fail, naming the
 * known ones), every component must be in the tree (a defaults file declares them all), and a {@code Duration} is
 * read from whole milliseconds (its key ends in {@code -ms}). Thread-safe.
 */
public final class ConfigBinder {
    private ConfigBinder() {
    }

    /**
     * The YAML mapper configs are read and bound with. {@code lenientScalars}: text is accepted for numbers and
     * booleans (an environment override is always text); otherwise a scalar must have its own type.
     */
    public static ObjectMapper mapper(boolean lenientScalars) {
        ObjectMapper m = new ObjectMapper(YAMLFactory.builder()
                .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
                .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
                .build());
        m.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
        m.setPropertyNamingStrategy(PropertyNamingStrategies.KEBAB_CASE);
        m.enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES,
                DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES);
        m.disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT);
        if (!lenientScalars) {
            for (LogicalType t : List.of(LogicalType.Integer, LogicalType.Float, LogicalType.Boolean)) {
                m.coercionConfigFor(t).setCoercion(CoercionInputShape.String, CoercionAction.Fail);
            }
            for (CoercionInputShape s : List.of(CoercionInputShape.Integer, CoercionInputShape.Float,
                    CoercionInputShape.Boolean)) {
                m.coercionConfigFor(LogicalType.Textual).setCoercion(s, CoercionAction.Fail);
            }
        }
        m.registerModule(new SimpleModule("config-millis").addDeserializer(Duration.class, new Millis()));
        return m;
    }

    /**
     * {@code tree} bound to {@code type}; any failure becomes {@code error.apply(keyPath, problem)}. A
     * {@link ConfigProblem} thrown by a record's constructor has its key placed under that record's path.
     */
    public static <T> T bind(ObjectMapper mapper, JsonNode tree, Class<T> type,
            BiFunction<String, String, ? extends RuntimeException> error) {
        unknownKeys(mapper, mapper.constructType(type), tree, "", error);
        try {
            return mapper.treeToValue(tree, type);
        } catch (JsonMappingException e) {
            String path = path(e.getPath());
            for (Throwable c = e.getCause(); c != null; c = c.getCause()) {
                if (c instanceof ConfigProblem k) {
                    throw error.apply(ConfigTree.join(path, k.key()), k.problem());
                }
            }
            if (e instanceof UnrecognizedPropertyException u) {
                Collection<Object> known = u.getKnownPropertyIds();
                throw error.apply(path, "is not a known key" + (known == null || known.isEmpty() ? ""
                        : "; known keys here: " + new TreeSet<>(known.stream().map(String::valueOf).toList())));
            }
            if (e instanceof MismatchedInputException m && m.getTargetType() != null) {
                JsonNode at = nodeAt(tree, e.getPath());
                if (at != null && at.isObject() && !objectLike(m.getTargetType())) {
                    // A component absent from the tree: the defaults file lacks a key the record declares.
                    throw error.apply(path, "lacks a key its record declares: " + e.getOriginalMessage());
                }
                throw error.apply(path, expectation(mapper, m.getTargetType()) + ", got " + describe(at));
            }
            throw error.apply(path, "is not valid: " + e.getOriginalMessage());
        } catch (JsonProcessingException e) {
            throw error.apply("", "cannot be bound: " + e.getOriginalMessage());
        }
    }

    /**
     * Fails on the first key (in document order) that is no property of the type it would bind to. Jackson meets an
     * unknown key only after it has built the record around it, so a record's own check (often failing because of
     * that very typo) would otherwise be reported instead of the typo.
     */
    private static void unknownKeys(ObjectMapper mapper, JavaType type, JsonNode node, String path,
            BiFunction<String, String, ? extends RuntimeException> error) {
        if (node == null || !node.isContainerNode()) {
            return;
        }
        if (type.isMapLikeType() && node.isObject()) {
            node.fields().forEachRemaining(e -> unknownKeys(mapper, type.getContentType(), e.getValue(),
                    ConfigTree.join(path, e.getKey()), error));
        } else if (type.isCollectionLikeType() && node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                unknownKeys(mapper, type.getContentType(), node.get(i), path + "[" + i + "]", error);
            }
        } else if (node.isObject() && objectLike(type.getRawClass()) && !type.isContainerType()) {
            Map<String, JavaType> known = new java.util.HashMap<>();
            for (BeanPropertyDefinition p : mapper.getDeserializationConfig().introspect(type).findProperties()) {
                known.put(p.getName(), p.getPrimaryType());
            }
            node.fields().forEachRemaining(e -> {
                String key = ConfigTree.join(path, e.getKey());
                if (!known.containsKey(e.getKey())) {
                    throw error.apply(key, "is not a known key; known keys here: " + new TreeSet<>(known.keySet()));
                }
                unknownKeys(mapper, known.get(e.getKey()), e.getValue(), key, error);
            });
        }
    }

    private static String path(List<JsonMappingException.Reference> refs) {
        StringBuilder b = new StringBuilder();
        for (JsonMappingException.Reference r : refs) {
            if (r.getFieldName() != null) {
                b.append(b.length() == 0 ? "" : ".").append(r.getFieldName());
            } else if (r.getIndex() >= 0) {
                b.append('[').append(r.getIndex()).append(']');
            }
        }
        return b.toString();
    }

    private static JsonNode nodeAt(JsonNode tree, List<JsonMappingException.Reference> refs) {
        JsonNode n = tree;
        for (JsonMappingException.Reference r : refs) {
            if (n == null) {
                return null;
            }
            n = r.getFieldName() != null ? n.get(r.getFieldName()) : r.getIndex() >= 0 ? n.get(r.getIndex()) : n;
        }
        return n;
    }

    private static boolean objectLike(Class<?> t) {
        return Map.class.isAssignableFrom(t) || t.isRecord() || (!t.isPrimitive() && !t.isEnum()
                && !Number.class.isAssignableFrom(t) && t != String.class && t != Boolean.class && t != URI.class
                && !Collection.class.isAssignableFrom(t) && !t.isArray());
    }

    private static String expectation(ObjectMapper mapper, Class<?> t) {
        if (t == boolean.class || t == Boolean.class) {
            return "must be true or false";
        }
        if (t == int.class || t == long.class || t == short.class || t == Integer.class || t == Long.class
                || t == Short.class) {
            return "must be an integer";
        }
        if (t == double.class || t == float.class || t == Double.class || t == Float.class) {
            return "must be a number";
        }
        if (t == String.class) {
            return "must be a string";
        }
        if (t == URI.class) {
            return "must be a URL";
        }
        if (t.isEnum()) {
            return "must be one of " + Arrays.stream(t.getEnumConstants())
                    .map(c -> mapper.valueToTree(c).asText()).toList();
        }
        if (Collection.class.isAssignableFrom(t) || t.isArray()) {
            return "must be a list";
        }
        return "must be a mapping of keys to values";
    }

    /** A value as it would be written in JSON, cut at 60 characters; "nothing" for an absent one. */
    public static String describe(JsonNode v) {
        if (v == null || v.isNull() || v.isMissingNode()) {
            return "nothing";
        }
        String text = v.toString();
        return text.length() > 60 ? text.substring(0, 60) + "..." : text;
    }

    /** A duration written as whole milliseconds. */
    private static final class Millis extends JsonDeserializer<Duration> {
        @Override
        public Duration deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            Long ms = ctxt.readValue(p, Long.class);
            return ms == null ? null : Duration.ofMillis(ms);
        }
    }
}
