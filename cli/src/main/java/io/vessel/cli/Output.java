package io.vessel.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * What a command prints: a table for people (the default), the API's own JSON ({@code -o json}) or the same as YAML
 * ({@code -o yaml}) for scripts, or only ids ({@code --quiet}) for loops such as
 * {@code for ve in $(vesselctl ve list -q); do …; done}.
 */
final class Output {

    enum Format { TABLE, JSON, YAML }

    /** A table column: its heading and how a row's JSON becomes its cell. */
    record Column(String heading, Function<JsonNode, String> cell) {

        static Column of(String heading, String pointer) {
            com.fasterxml.jackson.core.JsonPointer compiled = com.fasterxml.jackson.core.JsonPointer.compile(pointer); // once, not per row
            return new Column(heading, row -> text(row.at(compiled)));
        }
    }

    /** Made on first use: most commands never print YAML, and SnakeYAML's start is not free. */
    private static final class Yaml {
        static final ObjectMapper MAPPER = new ObjectMapper(new YAMLFactory().disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
                .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES));
    }

    private final Format format;
    private final boolean quiet;
    private final PrintStream out;
    private final boolean terminal;

    /** {@code terminal}: a person reads it (JSON indented); otherwise a script does (JSON as the API wrote it). */
    Output(Format format, boolean quiet, PrintStream out, boolean terminal) {
        this.format = format;
        this.quiet = quiet;
        this.out = out;
        this.terminal = terminal;
    }

    boolean quiet() {
        return quiet;
    }

    boolean human() {
        return format == Format.TABLE && !quiet;
    }

    /**
     * A list as the panel answered it. For a script's {@code -o json} the answer's bytes pass through as they came,
     * unparsed (a thousand VEs are half a megabyte, which a JVM that has compiled nothing yet takes a while to parse
     * and write again); everything else is {@link #list(JsonNode, String, List)}.
     */
    void list(PanelClient.Answer answer, String idPointer, List<Column> columns) {
        if (format == Format.JSON && !quiet && !terminal) {
            out.write(answer.body(), 0, answer.body().length);
            out.println();
            out.flush();
            return;
        }
        list(answer.json(), idPointer, columns);
    }

    /** A list: one row per element, {@code id} picks what {@code --quiet} prints. */
    void list(JsonNode items, String idPointer, List<Column> columns) {
        if (quiet) {
            com.fasterxml.jackson.core.JsonPointer id = com.fasterxml.jackson.core.JsonPointer.compile(idPointer);
            StringBuilder ids = new StringBuilder();
            items.forEach(item -> ids.append(text(item.at(id))).append('\n'));
            out.print(ids);
            out.flush();
            return;
        }
        if (format != Format.TABLE) {
            structured(items);
            return;
        }
        List<String[]> rows = new ArrayList<>();
        rows.add(columns.stream().map(Column::heading).toArray(String[]::new));
        for (JsonNode item : items) {
            rows.add(columns.stream().map(c -> c.cell().apply(item)).map(s -> s == null ? "" : s).toArray(String[]::new));
        }
        table(rows);
    }

    /** One object: its fields as "name: value" lines, nested objects flattened with dots. */
    void object(JsonNode item, String idPointer) {
        if (quiet) {
            out.println(text(item.at(idPointer)));
            return;
        }
        if (format != Format.TABLE) {
            structured(item);
            return;
        }
        List<String[]> rows = new ArrayList<>();
        flatten("", item, rows);
        int width = rows.stream().mapToInt(r -> r[0].length()).max().orElse(0);
        for (String[] row : rows) {
            out.println(pad(row[0] + ":", width + 1) + " " + row[1]);
        }
    }

    /** A message for people; nothing in quiet or structured output, so scripts get only what they asked for. */
    void note(String message) {
        if (human()) {
            out.println(message);
        }
    }

    void structured(JsonNode node) {
        try {
            if (format == Format.YAML) {
                out.print(Yaml.MAPPER.writeValueAsString(node));
            } else {
                // straight into the stream as UTF-8: a thousand VEs are a megabyte, not worth a String and its encoding;
                // indented for a person, compact (as the API writes it) for a script
                com.fasterxml.jackson.databind.ObjectWriter writer = terminal ? Json.MAPPER.writerWithDefaultPrettyPrinter() : Json.MAPPER.writer();
                writer.without(com.fasterxml.jackson.core.JsonGenerator.Feature.AUTO_CLOSE_TARGET).writeValue(out, node);
                out.println();
            }
        } catch (java.io.IOException e) {
            throw new CliException(ExitCode.ERROR, e.getMessage());
        }
        out.flush();
    }

    private void table(List<String[]> rows) {
        int columns = rows.get(0).length;
        int[] widths = new int[columns];
        for (String[] row : rows) {
            for (int i = 0; i < columns; i++) {
                widths[i] = Math.max(widths[i], row[i].length());
            }
        }
        // one write for the whole table: a thousand println calls on an autoflushing stream are a thousand syscalls
        StringBuilder table = new StringBuilder();
        for (String[] row : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < columns; i++) {
                line.append(i == columns - 1 ? row[i] : pad(row[i], widths[i]) + "  ");
            }
            table.append(line.toString().stripTrailing()).append('\n');
        }
        out.print(table);
        out.flush();
    }

    private static void flatten(String prefix, JsonNode node, List<String[]> rows) {
        if (node.isObject()) {
            node.fields().forEachRemaining(e -> flatten(prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey(), e.getValue(), rows));
        } else if (node.isArray() && node.size() > 0 && node.get(0).isContainerNode()) {
            for (int i = 0; i < node.size(); i++) {
                flatten(prefix + "[" + i + "]", node.get(i), rows);
            }
        } else {
            rows.add(new String[] {prefix, text(node)});
        }
    }

    static String text(JsonNode node) {
        if (node == null || node.isMissingNode() || node.isNull()) {
            return "";
        }
        if (node.isArray()) {
            List<String> parts = new ArrayList<>();
            node.forEach(n -> parts.add(text(n)));
            return String.join(",", parts);
        }
        return node.isValueNode() ? node.asText() : node.toString();
    }

    private static String pad(String s, int width) {
        return s.length() >= width ? s : s + " ".repeat(width - s.length());
    }

    static JsonNode array(List<JsonNode> items) {
        return JsonNodeFactory.instance.arrayNode().addAll(items);
    }
}
