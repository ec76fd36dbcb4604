package dev.llmbatch.producer;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * Streams the lines of a JSONL file as raw bytes, one at a time, so a file of any size is read in constant memory
 * and every line is sent exactly as written (invalid UTF-8 included: the worker dead-letters it). Lines end at
 * {@code \n}; a trailing {@code \r} and a UTF-8 byte-order mark on the first line are dropped. Not thread-safe.
 */
final class JsonlReader implements Closeable {
    /** One line and its 1-based number in the file. */
    record Line(long number, byte[] bytes) {
        /** True when the line holds only spaces, tabs and similar ASCII whitespace. */
        boolean isBlank() {
            for (byte b : bytes) {
                if (b != ' ' && b != '\t' && b != '\r' && b != '\f' && b != 0x0B) {
                    return false;
                }
            }
            return true;
        }
    }

    private final InputStream in;
    private final byte[] buf = new byte[64 * 1024];
    private int pos;
    private int limit;
    private byte[] line = new byte[1024];
    private long number;
    private boolean eof;

    JsonlReader(InputStream in) {
        this.in = in;
    }

    /** The next line, or null at the end of the input. */
    Line next() throws IOException {
        if (eof) {
            return null;
        }
        int len = 0;
        boolean any = false;
        while (true) {
            if (pos == limit) {
                limit = in.read(buf);
                pos = 0;
                if (limit <= 0) {
                    limit = 0;
                    eof = true;
                    if (!any) {
                        return null;
                    }
                    break;
                }
            }
            any = true;
            int start = pos;
            while (pos < limit && buf[pos] != '\n') {
                pos++;
            }
            int n = pos - start;
            if (len + n > line.length) {
                line = Arrays.copyOf(line, Math.max(line.length * 2, len + n));
            }
            System.arraycopy(buf, start, line, len, n);
            len += n;
            if (pos < limit) {
                pos++;
                break;
            }
        }
        number++;
        int from = 0;
        if (number == 1 && len >= 3 && line[0] == (byte) 0xEF && line[1] == (byte) 0xBB && line[2] == (byte) 0xBF) {
            from = 3;
        }
        int to = len;
        if (to > from && line[to - 1] == '\r') {
            to--;
        }
        return new Line(number, Arrays.copyOfRange(line, from, to));
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
