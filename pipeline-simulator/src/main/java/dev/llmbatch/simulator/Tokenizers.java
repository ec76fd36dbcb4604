package dev.llmbatch.simulator;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingRegistry;
import com.knuddels.jtokkit.api.EncodingType;

/**
 * One lazily loaded jtokkit registry per JVM. Loading a BPE table takes a few hundred milliseconds and the tables are
 * immutable, so simulators (one per test, often) share them; the registry is thread-safe and holds no state a
 * simulator could change.
 */
final class Tokenizers {
    private static final EncodingRegistry REGISTRY = Encodings.newLazyEncodingRegistry();

    private Tokenizers() {
    }

    static EncodingRegistry registry() {
        return REGISTRY;
    }

    /** The named encoding, loading it on the calling thread if needed (so never first on an event loop). */
    static Encoding encoding(String name) {
        EncodingType type = EncodingType.fromName(name)
                .orElseThrow(() -> new IllegalArgumentException("unknown encoding " + name));
        return REGISTRY.getEncoding(type);
    }
}
