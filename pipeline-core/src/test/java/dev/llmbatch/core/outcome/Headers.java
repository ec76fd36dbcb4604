package dev.llmbatch.core.outcome;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/** A case-insensitive header lookup for tests, as Vert.x's MultiMap gives the classifier. */
final class Headers {
    private Headers() {
    }

    static Function<String, String> of(String... namesAndValues) {
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            m.put(namesAndValues[i].toLowerCase(Locale.ROOT), namesAndValues[i + 1]);
        }
        return name -> m.get(name.toLowerCase(Locale.ROOT));
    }
}
