package dev.llmbatch.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every relative link in the README and in docs/ resolves to a file or directory of this repository, and none leaves
 * it: a clone from anywhere must have working documentation (the simulator's reference once lived outside).
 */
class DocLinksTest {
    private static final Path ROOT = DeploymentFilesTest.ROOT.toAbsolutePath().normalize();
    /** Inline Markdown links and images: [text](target) or ![alt](target), optional "title". */
    private static final Pattern LINK = Pattern.compile("!?\\[[^\\]]*\\]\\(([^)\\s]+)(?:\\s+\"[^\"]*\")?\\)");

    static List<Path> documents() throws IOException {
        List<Path> docs = new ArrayList<>();
        docs.add(ROOT.resolve("README.md"));
        docs.add(ROOT.resolve("examples/README.md"));
        try (Stream<Path> s = Files.walk(ROOT.resolve("docs"))) {
            s.filter(p -> p.toString().endsWith(".md")).sorted().forEach(docs::add);
        }
        return docs;
    }

    /** The relative links of {@code markdown} (external URLs, mail links and pure anchors are not checked). */
    static List<String> relativeLinks(String markdown) {
        List<String> links = new ArrayList<>();
        Matcher m = LINK.matcher(markdown.replaceAll("(?s)```.*?```", ""));
        while (m.find()) {
            String target = m.group(1);
            if (target.matches("^[a-zA-Z][a-zA-Z0-9+.-]*:.*") || target.startsWith("#")) {
                continue;
            }
            links.add(target);
        }
        return links;
    }

    /** What is wrong with {@code link} in {@code doc}, or null when it resolves inside the repository. */
    static String problem(Path doc, String link) {
        String file = link.replaceFirst("[#?].*$", "");
        Path target = doc.getParent().resolve(file).normalize();
        if (!target.startsWith(ROOT)) {
            return ROOT.relativize(doc) + ": " + link + " points outside the repository";
        }
        if (!Files.exists(target)) {
            return ROOT.relativize(doc) + ": " + link + " does not exist";
        }
        return null;
    }

    @Test
    void readmeAndDocs_everyRelativeLink_resolvesInsideTheRepository() throws IOException {
        List<String> problems = new ArrayList<>();
        int checked = 0;
        for (Path doc : documents()) {
            for (String link : relativeLinks(Files.readString(doc))) {
                checked++;
                String p = problem(doc, link);
                if (p != null) {
                    problems.add(p);
                }
            }
        }
        assertThat(problems).isEmpty();
        assertThat(checked).isGreaterThan(5);
    }

    @Test
    void problem_linkOutsideTheRepository_isReported() {
        Path readme = ROOT.resolve("README.md");
        assertThat(problem(readme, "../shared/reference/azure-openai-behaviour.md")).contains("outside the repository");
        assertThat(problem(readme, "docs/nope.md")).contains("does not exist");
        assertThat(problem(readme, "docs/azure-openai-behaviour.md#3-quota")).isNull();
    }

    @Test
    void relativeLinks_urlsAnchorsAndCode_skipped() {
        assertThat(relativeLinks("[a](https://x.y) [b](#top) [c](docs/a.md \"t\") ![d](img.png)\n```\n[e](f.md)\n```"))
                .containsExactly("docs/a.md", "img.png");
    }
}
