package dev.llmbatch.bench.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** Accumulates report.md (markdown) and report.json. Not thread-safe. */
public final class Report {
    public static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final ObjectNode json = JSON.createObjectNode();
    private final StringBuilder md = new StringBuilder();

    public ObjectNode json() {
        return json;
    }

    public Report h1(String s) {
        md.append("# ").append(s).append("\n\n");
        return this;
    }

    public Report h2(String s) {
        md.append("## ").append(s).append("\n\n");
        return this;
    }

    public Report h3(String s) {
        md.append("### ").append(s).append("\n\n");
        return this;
    }

    public Report p(String s) {
        md.append(s).append("\n\n");
        return this;
    }

    public Report image(String alt, String file) {
        md.append("![").append(alt).append("](").append(file).append(")\n\n");
        return this;
    }

    public Report code(String s) {
        md.append("```\n").append(s.strip()).append("\n```\n\n");
        return this;
    }

    public Report table(List<String> header, List<List<String>> rows) {
        md.append('|');
        header.forEach(h -> md.append(' ').append(h).append(" |"));
        md.append("\n|");
        header.forEach(h -> md.append("---|"));
        md.append('\n');
        for (List<String> r : rows) {
            md.append('|');
            r.forEach(c -> md.append(' ').append(c.replace("|", "\\|").replace("\n", " ")).append(" |"));
            md.append('\n');
        }
        md.append('\n');
        return this;
    }

    public String markdown() {
        return md.toString();
    }

    public void write(Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("report.md"), md.toString(), StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("report.json"), JSON.writeValueAsString(json) + "\n", StandardCharsets.UTF_8);
    }

    public static String pct(double ratio) {
        return String.format(Locale.ROOT, "%.2f%%", ratio * 100);
    }

    public static String f(double v, int decimals) {
        return String.format(Locale.ROOT, "%." + decimals + "f", v);
    }

    public static String verdict(boolean pass) {
        return pass ? "**pass**" : "**MISS**";
    }

    /** Rounds for JSON. */
    public static double round(double v, int decimals) {
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            return v;
        }
        double m = Math.pow(10, decimals);
        return Math.round(v * m) / m;
    }
}
