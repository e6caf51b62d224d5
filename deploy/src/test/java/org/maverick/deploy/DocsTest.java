package org.maverick.deploy;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The cheap parts of the documents, kept honest: someone who clones the repository has only the
 * repository, so every relative link must land inside it and nothing may point at the workspace it
 * was written in; the settings tables must name exactly the settings {@code GatewayConfig} defines,
 * with its defaults. (The README's curl examples run against the local run in
 * {@code ReadmeExamplesIT}.)
 */
class DocsTest {

    static final Path ROOT = Rendered.ROOT;

    /** Build output, tools' folders and Git's own: not documents of the repository. */
    static final Set<String> SKIPPED_DIRECTORIES = Set.of("target", "node_modules", ".git", ".idea", ".vscode");

    /**
     * Where the team's workspace kept its design notes, and this machine's checkouts: a clone has
     * neither. Built from parts so that this file does not match itself.
     */
    static final Pattern OUTSIDE_THE_REPOSITORY = Pattern.compile(
            "\\.\\./(\\.\\./)*" + "shared\\b" + "|\\bshared/(DESIGN|STYLE|reference)" + "|(^|[\\s\"'(`=:])/" + "work/");

    /**
     * Non-gateway settings the README's table documents because the gateway itself requires or checks them
     * (kafka.max.request.size: the gateway sets it from its request limits and refuses a smaller one).
     */
    static final Set<String> NON_GATEWAY_SETTINGS = Set.of("kafka.bootstrap.servers", "kafka.max.request.size");

    static List<Path> files(String suffix) throws IOException {
        try (Stream<Path> walk = Files.walk(ROOT)) {
            return walk.filter(Files::isRegularFile)
                    .filter(p -> !skipped(ROOT.relativize(p)))
                    .filter(p -> p.getFileName().toString().endsWith(suffix))
                    .sorted().toList();
        }
    }

    private static boolean skipped(Path relative) {
        for (Path part : relative) {
            if (SKIPPED_DIRECTORIES.contains(part.toString())) {
                return true;
            }
        }
        return false;
    }

    static List<Path> markdown() throws IOException {
        List<Path> docs = files(".md");
        assertTrue(docs.contains(ROOT.resolve("README.md")) && docs.size() > 5, "found the documents: " + docs);
        return docs;
    }

    /** The text outside fenced code blocks, with inline code spans replaced by a word (not links). */
    static String prose(String markdown) {
        StringBuilder out = new StringBuilder();
        boolean fenced = false;
        for (String line : markdown.split("\n", -1)) {
            if (line.stripLeading().startsWith("```")) {
                fenced = !fenced;
                out.append('\n');
                continue;
            }
            out.append(fenced ? "" : line.replaceAll("`[^`]*`", "code")).append('\n');
        }
        return out.toString();
    }

    static final Pattern LINK = Pattern.compile("\\[[^\\]]*]\\(([^)\\s]+)(?:\\s+\"[^\"]*\")?\\)");
    static final Pattern REFERENCE_LINK = Pattern.compile("(?m)^\\s*\\[[^\\]]+]:\\s*(\\S+)");

    @Test
    void everyRelativeLinkInEveryDocumentResolvesInsideTheRepository() throws IOException {
        List<String> broken = new ArrayList<>();
        int checked = 0;
        for (Path doc : markdown()) {
            String text = prose(Files.readString(doc));
            List<String> targets = new ArrayList<>();
            for (Pattern p : List.of(LINK, REFERENCE_LINK)) {
                Matcher m = p.matcher(text);
                while (m.find()) {
                    targets.add(m.group(1));
                }
            }
            for (String target : targets) {
                if (target.matches("(?i)(https?|mailto|ftp):.*") || target.startsWith("<http")) {
                    continue;
                }
                checked++;
                String where = ROOT.relativize(doc) + ": (" + target + ")";
                int hash = target.indexOf('#');
                String path = hash < 0 ? target : target.substring(0, hash);
                String anchor = hash < 0 ? null : target.substring(hash + 1);
                Path resolved = path.isEmpty() ? doc : doc.getParent().resolve(path).normalize();
                if (!resolved.startsWith(ROOT)) {
                    broken.add(where + " leaves the repository");
                } else if (!Files.exists(resolved)) {
                    broken.add(where + " does not exist");
                } else if (anchor != null && resolved.toString().endsWith(".md")
                        && !anchors(Files.readString(resolved)).contains(anchor)) {
                    broken.add(where + " names no heading of " + ROOT.relativize(resolved));
                }
            }
        }
        assertTrue(checked > 20, "links checked: " + checked);
        assertTrue(broken.isEmpty(), "broken links:\n" + String.join("\n", broken));
    }

    /** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, -1, -2 for repeats. */
    static Set<String> anchors(String markdown) {
        Set<String> anchors = new TreeSet<>();
        Map<String, Integer> seen = new LinkedHashMap<>();
        boolean fenced = false;
        for (String line : markdown.split("\n")) {
            if (line.stripLeading().startsWith("```")) {
                fenced = !fenced;
            }
            if (fenced || !line.matches("#{1,6} .*")) {
                continue;
            }
            String slug = line.replaceFirst("^#+ ", "").replaceFirst("\\s+#+\\s*$", "").strip()
                    .toLowerCase(Locale.ROOT).replaceAll("[^\\p{L}\\p{N} _-]", "").replace(' ', '-');
            int n = seen.merge(slug, 1, Integer::sum);
            anchors.add(n == 1 ? slug : slug + "-" + (n - 1));
        }
        return anchors;
    }

    @Test
    void anchorsFollowGitHubsRules() {
        assertEquals(Set.of("kafka-security-tls-and-scram", "api-keys-limits-and-capacity", "the-two-commands",
                        "the-two-commands-1", "gateway--ok"),
                anchors("## Kafka security: TLS and SCRAM\n## API keys, limits and capacity\n# The two commands\n"
                        + "```\n# not a heading\n```\n### The two commands\n## `gateway` / ok\n"));
    }

    @Test
    void nothingInTheRepositoryPointsAtTheWorkspaceItWasWrittenIn() throws IOException {
        Path self = ROOT.resolve("deploy/src/test/java/org/maverick/deploy/DocsTest.java");
        List<String> found = new ArrayList<>();
        for (Path file : files("")) {
            if (file.equals(self) || Files.size(file) > 2_000_000) {
                continue;
            }
            String text;
            try {
                text = StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(Files.readAllBytes(file)))
                        .toString();
            } catch (CharacterCodingException binary) {
                continue;
            }
            String[] lines = text.split("\n", -1);
            for (int i = 0; i < lines.length; i++) {
                if (OUTSIDE_THE_REPOSITORY.matcher(lines[i]).find()) {
                    found.add(ROOT.relativize(file) + ":" + (i + 1) + ": " + lines[i].strip());
                }
            }
        }
        assertTrue(found.isEmpty(), "these point outside the repository (bring what they need into docs/):\n"
                + String.join("\n", found));
    }

    @Test
    void theWorkspacePatternCatchesWhatItIsFor() {
        // Written in pieces, so that this file is not itself a pointer outside the repository.
        String up = "..";
        String workspace = "shared";
        for (String bad : List.of("see [design](" + up + "/" + workspace + "/DESIGN.md)",
                "`" + up + "/" + up + "/" + workspace + "/reference/` collects",
                "notes in " + workspace + "/reference/triton.md", "cd /" + "work/main")) {
            assertTrue(OUTSIDE_THE_REPOSITORY.matcher(bad).find(), bad);
        }
        for (String good : List.of("the shared flush tick", "a shared/RWX claim", "homework/notes", "../docs/queue.md")) {
            assertFalse(OUTSIDE_THE_REPOSITORY.matcher(good).find(), good);
        }
    }

    /** A row of a Markdown table whose header's first cell is "setting": name and default cell. */
    record SettingRow(Path doc, int line, String name, String defaultCell) {
        String where() {
            return ROOT.relativize(doc) + ":" + line + " `" + name + "`";
        }
    }

    static List<SettingRow> settingRows(Path doc) throws IOException {
        List<SettingRow> rows = new ArrayList<>();
        String[] lines = Files.readString(doc).split("\n", -1);
        boolean inTable = false;
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (!line.startsWith("|")) {
                inTable = false;
                continue;
            }
            List<String> cells = cells(line);
            if (!inTable && !cells.isEmpty() && cells.get(0).equals("setting")) {
                inTable = true;
            } else if (inTable && !cells.get(0).matches(":?-+:?")) {
                Matcher name = Pattern.compile("^`([^`]+)`$").matcher(cells.get(0));
                assertTrue(name.matches(), ROOT.relativize(doc) + ":" + (i + 1) + ": a setting row names no setting");
                rows.add(new SettingRow(doc, i + 1, name.group(1), cells.size() > 1 ? cells.get(1) : ""));
            }
        }
        return rows;
    }

    /** The cells of a table row; {@code \|} inside a cell is text, not a border. */
    static List<String> cells(String row) {
        String inner = row.replaceFirst("^\\|", "").replaceFirst("(?<!\\\\)\\|$", "");
        List<String> cells = new ArrayList<>();
        for (String c : inner.split("(?<!\\\\)\\|", -1)) {
            cells.add(c.strip());
        }
        return cells;
    }

    @Test
    void everySettingsTableNamesRealSettingsWithTheirRealDefaults() throws IOException {
        Map<String, Method> settings = Settings.gatewayMethods();
        List<String> wrong = new ArrayList<>();
        int rows = 0;
        for (Path doc : markdown()) {
            for (SettingRow row : settingRows(doc)) {
                rows++;
                if (!row.name().startsWith("gateway.")) {
                    if (!NON_GATEWAY_SETTINGS.contains(row.name())) {
                        wrong.add(row.where() + " is not a gateway setting");
                    }
                    continue;
                }
                Method m = settings.get(row.name());
                if (m == null) {
                    wrong.add(row.where() + " is not in GatewayConfig");
                    continue;
                }
                Optional<String> def = Settings.defaultOf(m);
                boolean literal = row.defaultCell().matches("`[^`]*`");
                if (def.isPresent() && !row.defaultCell().equals("`" + def.get() + "`")) {
                    wrong.add(row.where() + " documents default " + row.defaultCell() + ", GatewayConfig has `"
                            + def.get() + "`");
                } else if (def.isEmpty() && literal) {
                    wrong.add(row.where() + " documents default " + row.defaultCell()
                            + ", but GatewayConfig has none (say what happens without it instead)");
                }
            }
        }
        assertTrue(rows > 40, "setting rows found: " + rows);
        assertTrue(wrong.isEmpty(), String.join("\n", wrong));
    }

    @Test
    void theReadmeDocumentsEveryGatewaySetting() throws IOException {
        Set<String> documented = new TreeSet<>();
        settingRows(ROOT.resolve("README.md")).forEach(r -> documented.add(r.name()));
        Set<String> missing = new TreeSet<>(Settings.gateway());
        missing.removeAll(documented);
        assertTrue(missing.isEmpty(), "settings of GatewayConfig missing from README's configuration table: " + missing);
        assertTrue(documented.containsAll(NON_GATEWAY_SETTINGS));
    }

    /** The shape ReadmeExamplesIT compares tells a sample without ids from a queued stream. */
    @Test
    void aSampleWithoutIdsDoesNotPassForAQueuedStream() {
        String queued = "data: {\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}\n\nid: 0\ndata: {\"delta\":{\"content\":\"A\"}}\n\n"
                + "id: 1\ndata: {\"delta\":{\"content\":\" b\"}}\n\nid: 2\ndata: {\"delta\":{},\"finish_reason\":\"stop\"}\n\n"
                + "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":3}}\n\ndata: [DONE]\n\n";
        String sampleWithoutIds = "data: {\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}\n\n"
                + "data: {…\"delta\":{\"content\":\" The river\"}}\n…\ndata: {…\"delta\":{},\"finish_reason\":\"stop\"}\n\n"
                + "data: {…\"choices\":[],\"usage\":{\"prompt_tokens\":31}}\n\ndata: [DONE]\n";
        assertEquals(List.of("R", "T#", "S#", "U", "D"), ReadmeExamplesIT.shape(queued));
        assertEquals(List.of("R", "T", "S", "U", "D"), ReadmeExamplesIT.shape(sampleWithoutIds));
        assertEquals("A b", ReadmeExamplesIT.text(queued));
    }

    /**
     * Documents that start the local run show the README's command, so that when the command changes
     * (one place: README's "The two commands"), every copy of it is found here.
     */
    @Test
    void everyDocumentStartsTheLocalRunWithTheReadmesCommand() throws IOException {
        String readmeCommand = ReadmeExamplesIT.runCommand();
        Matcher jar = Pattern.compile("-jar\\s+(\\S+)").matcher(readmeCommand);
        assertTrue(jar.find(), "the README's run command names no jar: " + readmeCommand);
        List<String> stale = new ArrayList<>();
        for (Path doc : markdown()) {
            boolean fenced = false;
            String[] lines = Files.readString(doc).split("\n", -1);
            for (int i = 0; i < lines.length; i++) {
                if (lines[i].stripLeading().startsWith("```")) {
                    fenced = !fenced;
                } else if (fenced && lines[i].contains("quarkus.profile=local") && !lines[i].contains(jar.group(1))) {
                    stale.add(ROOT.relativize(doc) + ":" + (i + 1) + ": " + lines[i].strip());
                }
            }
        }
        assertTrue(stale.isEmpty(), "local runs that do not use the README's command (" + readmeCommand + "):\n"
                + String.join("\n", stale));
    }
}
