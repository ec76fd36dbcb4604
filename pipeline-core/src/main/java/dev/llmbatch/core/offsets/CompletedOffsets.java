package dev.llmbatch.core.offsets;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.Base64;
import java.util.zip.CRC32C;

/**
 * The offsets of one partition above its commit position that already have their published result, as carried in
 * the commit's offset metadata (a String, which the broker caps at {@code offset.metadata.max.bytes}, 4096 by
 * default), so that a worker taking the partition over skips them instead of calling the LLM and publishing again.
 *
 * <p>Format {@code done.v1:} + base64url without padding of: varint(number of ranges), then per range varint(gap)
 * and varint(length - 1), then a CRC32C (4 bytes, big-endian) of the base as 8 big-endian bytes followed by the
 * bytes before it. Varints are unsigned LEB128. Ranges are sorted, disjoint and never adjacent; the first gap is
 * {@code start - base}, the others {@code start - previousEnd - 1}. The base, the committed offset the set was
 * written for, is covered by the checksum but not stored, so metadata that travelled to another position (an offset
 * reset or translation that kept it) is refused rather than trusted, and the size does not depend on the base: moving
 * the position up never makes the text longer. No completed offset at all is the empty string, Kafka's default
 * metadata. Worst case (every other offset completed) is 2 bytes, about 2.7 characters, per completed offset.
 *
 * <p>{@link #decode} is strict: anything but the exact canonical encoding of a valid set for the expected base is
 * refused with an {@link IllegalArgumentException}, so foreign or corrupt metadata is never mistaken for a set.
 *
 * <p>Immutable and thread-safe.
 */
public final class CompletedOffsets {
    /** Names the format and its version; a later format takes a new prefix. */
    public static final String PREFIX = "done.v1:";
    /** Decoding refuses longer text without looking at it (the broker's own limit is far below). */
    static final int MAX_DECODE_CHARS = 1 << 20;
    private static final int CRC_BYTES = 4;

    private final long base;
    /** start0, end0, start1, end1, ...: half-open ranges. */
    private final long[] bounds;

    private CompletedOffsets(long base, long[] bounds) {
        this.base = base;
        this.bounds = bounds;
    }

    /** No completed offset above {@code base}. */
    public static CompletedOffsets none(long base) {
        return new CompletedOffsets(checkBase(base), new long[0]);
    }

    /** A builder for the set above {@code base}; ranges must be added in ascending order. */
    static Builder builder(long base) {
        return new Builder(checkBase(base));
    }

    /** The committed offset this set is relative to: every offset of the set is at or above it. */
    public long base() {
        return base;
    }

    public boolean isEmpty() {
        return bounds.length == 0;
    }

    /** Number of maximal ranges. */
    public int rangeCount() {
        return bounds.length / 2;
    }

    /** First offset of range {@code i}. */
    public long start(int i) {
        return bounds[2 * i];
    }

    /** One past the last offset of range {@code i}. */
    public long end(int i) {
        return bounds[2 * i + 1];
    }

    /** Number of offsets in the set. */
    public long count() {
        long n = 0;
        for (int i = 0; i < bounds.length; i += 2) {
            n += bounds[i + 1] - bounds[i];
        }
        return n;
    }

    public boolean contains(long offset) {
        int lo = 0;
        int hi = rangeCount() - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (offset < start(mid)) {
                hi = mid - 1;
            } else if (offset >= end(mid)) {
                lo = mid + 1;
            } else {
                return true;
            }
        }
        return false;
    }

    /** The metadata text: empty for an empty set. */
    public String encode() {
        if (bounds.length == 0) {
            return "";
        }
        return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes());
    }

    /** Length of {@link #encode()} without building it. */
    public int encodedLength() {
        return bounds.length == 0 ? 0 : chars(byteLength());
    }

    /**
     * Parses metadata written for committed offset {@code base}. Null or empty text is the empty set.
     *
     * @throws IllegalArgumentException if the text is not exactly what {@link #encode} writes for some set above
     *         {@code base} (another format, another base, corruption); the message says why
     */
    public static CompletedOffsets decode(String text, long base) {
        checkBase(base);
        if (text == null || text.isEmpty()) {
            return none(base);
        }
        if (text.length() > MAX_DECODE_CHARS) {
            throw new IllegalArgumentException("metadata is " + text.length() + " characters long");
        }
        if (!text.startsWith(PREFIX)) {
            throw new IllegalArgumentException("metadata does not start with " + PREFIX);
        }
        String body = text.substring(PREFIX.length());
        for (int i = 0; i < body.length(); i++) {
            char c = body.charAt(i);
            boolean ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'
                    || c == '_';
            if (!ok) {
                throw new IllegalArgumentException("metadata has a character outside base64url at " + i);
            }
        }
        byte[] b;
        try {
            b = Base64.getUrlDecoder().decode(body);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("metadata is not base64url: " + e.getMessage());
        }
        if (b.length < CRC_BYTES + 3) {
            throw new IllegalArgumentException("metadata is too short");
        }
        int n = b.length - CRC_BYTES;
        long stored = ((b[n] & 0xffL) << 24) | ((b[n + 1] & 0xffL) << 16) | ((b[n + 2] & 0xffL) << 8)
                | (b[n + 3] & 0xffL);
        if (crc(base, b, n) != stored) {
            throw new IllegalArgumentException("metadata checksum does not match: corrupt, or written for another "
                    + "offset than " + base);
        }
        Reader r = new Reader(b, n);
        long ranges = r.varint();
        if (ranges < 1 || ranges > (n - r.pos) / 2) {
            throw new IllegalArgumentException("metadata declares " + ranges + " ranges");
        }
        Builder out = new Builder(base);
        long prevEnd = base;
        try {
            for (long i = 0; i < ranges; i++) {
                long gap = r.varint();
                long start = i == 0 ? Math.addExact(base, gap) : Math.addExact(Math.addExact(prevEnd, gap), 1);
                long end = Math.addExact(Math.addExact(start, r.varint()), 1);
                out.add(start, end);
                prevEnd = end;
            }
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("metadata offsets overflow");
        }
        if (r.pos != n) {
            throw new IllegalArgumentException("metadata has " + (n - r.pos) + " bytes after its ranges");
        }
        CompletedOffsets set = out.build();
        if (!set.encode().equals(text)) {
            throw new IllegalArgumentException("metadata is not in canonical form");
        }
        return set;
    }

    /** Characters of encoded text whose binary form is {@code bytes} long. */
    static int chars(int bytes) {
        return PREFIX.length() + (4 * bytes + 2) / 3;
    }

    /** The largest binary form that encodes to at most {@code maxChars} characters. */
    static int maxBytes(int maxChars) {
        return Math.max(0, (maxChars - PREFIX.length()) * 3 / 4);
    }

    static int varintLength(long v) {
        int n = 1;
        while ((v >>>= 7) != 0) {
            n++;
        }
        return n;
    }

    /** Length of the binary form that {@link #encode} renders in base64url: 0 for the empty set. */
    int binaryLength() {
        return bounds.length == 0 ? 0 : byteLength();
    }

    private int byteLength() {
        int n = varintLength(rangeCount()) + CRC_BYTES;
        long prevEnd = base;
        for (int i = 0; i < rangeCount(); i++) {
            n += varintLength(i == 0 ? start(i) - base : start(i) - prevEnd - 1) + varintLength(end(i) - start(i) - 1);
            prevEnd = end(i);
        }
        return n;
    }

    private byte[] bytes() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(byteLength());
        writeVarint(out, rangeCount());
        long prevEnd = base;
        for (int i = 0; i < rangeCount(); i++) {
            writeVarint(out, i == 0 ? start(i) - base : start(i) - prevEnd - 1);
            writeVarint(out, end(i) - start(i) - 1);
            prevEnd = end(i);
        }
        byte[] body = out.toByteArray();
        long c = crc(base, body, body.length);
        out.write((int) (c >>> 24));
        out.write((int) (c >>> 16));
        out.write((int) (c >>> 8));
        out.write((int) c);
        return out.toByteArray();
    }

    /** CRC32C of the base (8 bytes, big-endian) and then {@code b[0, n)}. */
    static long crc(long base, byte[] b, int n) {
        CRC32C crc = new CRC32C();
        for (int shift = 56; shift >= 0; shift -= 8) {
            crc.update((int) (base >>> shift));
        }
        crc.update(b, 0, n);
        return crc.getValue();
    }

    private static void writeVarint(ByteArrayOutputStream out, long v) {
        while ((v & ~0x7fL) != 0) {
            out.write((int) ((v & 0x7f) | 0x80));
            v >>>= 7;
        }
        out.write((int) v);
    }

    private static long checkBase(long base) {
        if (base < 0) {
            throw new IllegalArgumentException("base offset must be >= 0, got " + base);
        }
        return base;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CompletedOffsets c && c.base == base && Arrays.equals(c.bounds, bounds);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(base) * 31 + Arrays.hashCode(bounds);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("CompletedOffsets{base=").append(base).append(", [");
        for (int i = 0; i < rangeCount(); i++) {
            sb.append(i == 0 ? "" : ", ").append(start(i)).append("..").append(end(i) - 1);
        }
        return sb.append("]}").toString();
    }

    /**
     * Collects ranges in ascending order, merging adjacent ones. Not thread-safe.
     */
    static final class Builder {
        private final long base;
        private long[] bounds = new long[8];
        private int size;

        private Builder(long base) {
            this.base = base;
        }

        /**
         * Adds the half-open range {@code [start, end)}; an empty range is ignored.
         *
         * @throws IllegalArgumentException if it starts below the base or below the end of the last range added
         */
        Builder add(long start, long end) {
            if (end <= start) {
                return this;
            }
            if (start < base) {
                throw new IllegalArgumentException("range " + start + ".." + end + " starts below base " + base);
            }
            if (size > 0 && start < bounds[size - 1]) {
                throw new IllegalArgumentException("range " + start + ".." + end + " is not above "
                        + bounds[size - 1]);
            }
            if (size > 0 && start == bounds[size - 1]) {
                bounds[size - 1] = end;
                return this;
            }
            if (size == bounds.length) {
                bounds = Arrays.copyOf(bounds, size * 2);
            }
            bounds[size++] = start;
            bounds[size++] = end;
            return this;
        }

        CompletedOffsets build() {
            return new CompletedOffsets(base, Arrays.copyOf(bounds, size));
        }
    }

    /** Reads canonical varints: no value over 63 bits, no redundant trailing zero groups. */
    private static final class Reader {
        private final byte[] b;
        private final int limit;
        private int pos;

        Reader(byte[] b, int limit) {
            this.b = b;
            this.limit = limit;
        }

        long varint() {
            long v = 0;
            for (int shift = 0; shift < 63; shift += 7) {
                if (pos >= limit) {
                    throw new IllegalArgumentException("metadata ends inside a number");
                }
                int x = b[pos++] & 0xff;
                if (shift == 56 && x > 0x7f) {
                    throw new IllegalArgumentException("metadata has a number over 63 bits");
                }
                v |= (long) (x & 0x7f) << shift;
                if ((x & 0x80) == 0) {
                    if (x == 0 && shift > 0) {
                        throw new IllegalArgumentException("metadata has a number in non-canonical form");
                    }
                    return v;
                }
            }
            throw new IllegalArgumentException("metadata has a number over 63 bits");
        }
    }
}
