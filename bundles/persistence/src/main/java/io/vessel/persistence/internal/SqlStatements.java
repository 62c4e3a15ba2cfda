package io.vessel.persistence.internal;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a migration script into statements at semicolons, ignoring those inside quotes, dollar-quoted
 * bodies and comments. Enough for schema migrations; not a general SQL parser.
 */
final class SqlStatements {

    private SqlStatements() {
    }

    static List<String> split(String script) {
        List<String> statements = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        int i = 0;
        int n = script.length();
        while (i < n) {
            char c = script.charAt(i);
            if (c == '-' && i + 1 < n && script.charAt(i + 1) == '-') {
                int end = script.indexOf('\n', i);
                i = end < 0 ? n : end + 1;
                current.append('\n');
                continue;
            }
            if (c == '/' && i + 1 < n && script.charAt(i + 1) == '*') {
                int end = script.indexOf("*/", i + 2);
                i = end < 0 ? n : end + 2;
                continue;
            }
            if (c == '\'' || c == '"') {
                int end = closingQuote(script, i, c);
                current.append(script, i, end);
                i = end;
                continue;
            }
            if (c == '$' && i + 1 < n && script.charAt(i + 1) == '$') {
                int end = script.indexOf("$$", i + 2);
                end = end < 0 ? n : end + 2;
                current.append(script, i, end);
                i = end;
                continue;
            }
            if (c == ';') {
                add(statements, current);
                current.setLength(0);
            } else {
                current.append(c);
            }
            i++;
        }
        add(statements, current);
        return statements;
    }

    private static int closingQuote(String s, int start, char quote) {
        int i = start + 1;
        while (i < s.length()) {
            if (s.charAt(i) == quote) {
                if (i + 1 < s.length() && s.charAt(i + 1) == quote) {
                    i += 2;
                    continue;
                }
                return i + 1;
            }
            i++;
        }
        return s.length();
    }

    private static void add(List<String> statements, StringBuilder current) {
        String statement = current.toString().strip();
        if (!statement.isEmpty()) {
            statements.add(statement);
        }
    }
}
