package dev.llmbatch.core.offsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class CompletedOffsetsTest {

    private static CompletedOffsets set(long base, long... bounds) {
        CompletedOffsets.Builder b = CompletedOffsets.builder(base);
        for (int i = 0; i < bounds.length; i += 2) {
            b.add(bounds[i], bounds[i + 1]);
        }
        return b.build();
    }

    @Test
    void encode_emptySet_isEmptyStringAndDecodesBack() {
        assertThat(CompletedOffsets.none(42).encode()).isEmpty();
        assertThat(CompletedOffsets.none(42).encodedLength()).isZero();
        assertThat(CompletedOffsets.decode("", 42)).isEqualTo(CompletedOffsets.none(42));
        assertThat(CompletedOffsets.decode(null, 42)).isEqualTo(CompletedOffsets.none(42));
    }

    @Test
    void encode_ranges_roundTripsWithPrefixAndUrlSafeAlphabet() {
        CompletedOffsets s = set(1_000, 1_001, 1_005, 1_007, 1_008, 5_000_000_000L, 5_000_000_100L);

        String text = s.encode();

        assertThat(text).startsWith(CompletedOffsets.PREFIX).matches("done\\.v1:[A-Za-z0-9_-]+");
        assertThat(text).hasSize(s.encodedLength());
        assertThat(CompletedOffsets.decode(text, 1_000)).isEqualTo(s);
        assertThat(s.count()).isEqualTo(4 + 1 + 100);
        assertThat(s.contains(1_000)).isFalse();
        assertThat(s.contains(1_001)).isTrue();
        assertThat(s.contains(1_004)).isTrue();
        assertThat(s.contains(1_005)).isFalse();
        assertThat(s.contains(1_007)).isTrue();
        assertThat(s.contains(5_000_000_099L)).isTrue();
        assertThat(s.contains(5_000_000_100L)).isFalse();
    }

    @Test
    void builder_adjacentRanges_areMergedSoTheEncodingIsCanonical() {
        assertThat(set(0, 1, 3, 3, 5, 5, 5, 5, 9)).isEqualTo(set(0, 1, 9));
        assertThat(set(0, 1, 3, 3, 5, 5, 9).rangeCount()).isOne();
    }

    @Test
    void builder_rangeBelowBaseOrOutOfOrder_throws() {
        assertThatThrownBy(() -> CompletedOffsets.builder(10).add(9, 11)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> CompletedOffsets.builder(10).add(20, 30).add(25, 40))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void decode_randomSets_roundTrip() {
        Random rnd = new Random(7);
        for (int iteration = 0; iteration < 3_000; iteration++) {
            long base = switch (rnd.nextInt(3)) {
                case 0 -> rnd.nextInt(1_000);
                case 1 -> rnd.nextLong(1L << 40);
                default -> Long.MAX_VALUE / 2 + rnd.nextInt(1_000);
            };
            CompletedOffsets.Builder b = CompletedOffsets.builder(base);
            long cursor = base + (rnd.nextBoolean() ? 0 : rnd.nextInt(300));
            int ranges = rnd.nextInt(60);
            List<long[]> expected = new ArrayList<>();
            for (int i = 0; i < ranges; i++) {
                long len = rnd.nextInt(10) == 0 ? 1 + rnd.nextInt(1 << 20) : 1 + rnd.nextInt(4);
                b.add(cursor, cursor + len);
                expected.add(new long[] {cursor, cursor + len});
                cursor += len + 1 + (rnd.nextInt(8) == 0 ? rnd.nextInt(1 << 24) : rnd.nextInt(3));
            }
            CompletedOffsets s = b.build();

            CompletedOffsets back = CompletedOffsets.decode(s.encode(), base);

            assertThat(back).isEqualTo(s);
            assertThat(back.rangeCount()).isEqualTo(expected.size());
            for (int i = 0; i < expected.size(); i++) {
                assertThat(back.start(i)).isEqualTo(expected.get(i)[0]);
                assertThat(back.end(i)).isEqualTo(expected.get(i)[1]);
                assertThat(back.contains(expected.get(i)[0])).isTrue();
                assertThat(back.contains(expected.get(i)[1])).isFalse();
            }
        }
    }

    @Test
    void encodedLength_everyOtherOffsetCompleted_isAboutTwoBytesPerOffset() {
        int n = 1_000;
        CompletedOffsets.Builder b = CompletedOffsets.builder(1_000_000);
        for (int i = 0; i < n; i++) {
            b.add(1_000_001 + 2L * i, 1_000_002 + 2L * i);
        }
        CompletedOffsets s = b.build();

        // 2 bytes per range + count (2) + CRC (4)
        assertThat(s.binaryLength()).isEqualTo(2 * n + 2 + 4);
        assertThat(s.encodedLength()).isEqualTo(s.encode().length())
                .isEqualTo(CompletedOffsets.PREFIX.length() + (4 * (2 * n + 6) + 2) / 3)
                .isLessThan(3_000);
    }

    @Test
    void maxBytes_isTheLargestBinaryLengthThatFitsTheCharacterBound() {
        for (int maxChars = 64; maxChars < 5_000; maxChars++) {
            int maxBytes = CompletedOffsets.maxBytes(maxChars);
            assertThat(CompletedOffsets.chars(maxBytes)).isLessThanOrEqualTo(maxChars);
            assertThat(CompletedOffsets.chars(maxBytes + 1)).isGreaterThan(maxChars);
        }
    }

    @Test
    void decode_foreignOrCorruptText_isRefusedNeverMisread() {
        String good = set(100, 101, 103, 110, 120).encode();
        String body = good.substring(CompletedOffsets.PREFIX.length());
        char flipped = body.charAt(2) == 'A' ? 'B' : 'A';

        List<String> bad = List.of(
                "hello", "{\"next\":5}", "12345", CompletedOffsets.PREFIX, "done.v2:" + body,
                good + "=", good + "A", good.substring(0, good.length() - 1), good + " ", CompletedOffsets.PREFIX + "/" + body,
                CompletedOffsets.PREFIX + body.substring(0, 2) + flipped + body.substring(3),
                CompletedOffsets.PREFIX + "AAAAAAAA", CompletedOffsets.PREFIX + "!!!!");
        for (String text : bad) {
            assertThatThrownBy(() -> CompletedOffsets.decode(text, 100)).as("decode(%s)", text)
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void decode_otherBase_isRefused() {
        String text = set(100, 101, 103).encode();

        assertThatThrownBy(() -> CompletedOffsets.decode(text, 101)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("checksum");
    }

    @Test
    void decode_wellFormedButInvalidBinary_isRefused() {
        // each has a valid checksum, so only the structural checks can refuse it
        assertRefused(bytes(5, 0, 0, 0), 5, "ranges");                    // no range: the empty set is ""
        assertRefused(bytes(5, 2, 0, 0), 5, "ranges");                    // two ranges declared, bytes for one
        assertRefused(bytes(5, 1, 0, 0, 7), 5, "after its ranges");       // trailing byte
        assertRefused(bytes(5, 1, 0x80, 0x00, 0), 5, "non-canonical");    // overlong varint for 0
        assertRefused(bytes(5, 1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, 0), 5, "overflow");
        assertRefused(bytes(5, 1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0), 5, "63 bits");
        assertRefused(bytes(5, 1, 0x80, 0x80), 5, "ends inside");
        assertRefused(bytes(5, 1, 0, 0), 6, "checksum");                  // valid for base 5 only
    }

    @Test
    void decode_randomGarbageAfterThePrefix_onlyEverThrowsIllegalArgument() {
        Random rnd = new Random(11);
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        for (int i = 0; i < 20_000; i++) {
            StringBuilder sb = new StringBuilder(CompletedOffsets.PREFIX);
            int len = rnd.nextInt(40);
            for (int k = 0; k < len; k++) {
                sb.append(alphabet.charAt(rnd.nextInt(alphabet.length())));
            }
            try {
                CompletedOffsets.decode(sb.toString(), rnd.nextInt(3));
            } catch (IllegalArgumentException expected) {
                // refused: the caller treats the metadata as empty
            }
        }
    }

    @Test
    void none_negativeBase_throws() {
        assertThatThrownBy(() -> CompletedOffsets.none(-1)).isInstanceOf(IllegalArgumentException.class);
    }

    private static void assertRefused(String text, long base, String why) {
        assertThatThrownBy(() -> CompletedOffsets.decode(text, base)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(why);
    }

    /** The given bytes with the checksum for {@code base}, encoded as metadata text. */
    private static String bytes(long base, int... values) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int v : values) {
            out.write(v);
        }
        byte[] body = out.toByteArray();
        long c = CompletedOffsets.crc(base, body, body.length);
        out.write((int) (c >>> 24));
        out.write((int) (c >>> 16));
        out.write((int) (c >>> 8));
        out.write((int) c);
        return CompletedOffsets.PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(out.toByteArray());
    }
}
