package dev.llmbatch.producer;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class JsonlReaderTest {

    private static List<JsonlReader.Line> read(byte[] bytes) throws IOException {
        List<JsonlReader.Line> lines = new ArrayList<>();
        try (JsonlReader r = new JsonlReader(new ByteArrayInputStream(bytes))) {
            for (JsonlReader.Line l = r.next(); l != null; l = r.next()) {
                lines.add(l);
            }
        }
        return lines;
    }

    private static String text(JsonlReader.Line l) {
        return new String(l.bytes(), StandardCharsets.UTF_8);
    }

    @Test
    void next_mixedLineEndings_returnsNumberedLinesWithoutTerminators() throws IOException {
        List<JsonlReader.Line> lines = read("{\"a\":1}\r\n\n   \t\n{\"b\":2}".getBytes(StandardCharsets.UTF_8));

        assertThat(lines).extracting(JsonlReader.Line::number).containsExactly(1L, 2L, 3L, 4L);
        assertThat(lines).extracting(JsonlReaderTest::text).containsExactly("{\"a\":1}", "", "   \t", "{\"b\":2}");
        assertThat(lines).extracting(JsonlReader.Line::isBlank).containsExactly(false, true, true, false);
    }

    @Test
    void next_trailingNewline_addsNoEmptyLastLine() throws IOException {
        assertThat(read("x\ny\n".getBytes(StandardCharsets.UTF_8))).hasSize(2);
        assertThat(read(new byte[0])).isEmpty();
    }

    @Test
    void next_byteOrderMarkOnFirstLine_isDropped() throws IOException {
        byte[] bom = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF, '{', '}', '\n', '{', '}'};

        assertThat(read(bom)).extracting(JsonlReaderTest::text).containsExactly("{}", "{}");
    }

    @Test
    void next_invalidUtf8_keepsTheBytesAsWritten() throws IOException {
        byte[] line = {'{', '"', 'i', 'd', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}'};
        byte[] file = new byte[line.length + 1];
        System.arraycopy(line, 0, file, 0, line.length);
        file[line.length] = '\n';

        assertThat(read(file)).singleElement().satisfies(l -> assertThat(l.bytes()).isEqualTo(line));
    }

    @Test
    void next_lineLongerThanTheBuffer_isReadWhole() throws IOException {
        String longLine = "x".repeat(200_000);

        assertThat(read((longLine + "\nshort\n").getBytes(StandardCharsets.UTF_8)))
                .extracting(JsonlReaderTest::text).containsExactly(longLine, "short");
    }
}
