package io.vessel.persistence.internal;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One versioned SQL script of one module, e.g. {@code V1__create_node.sql}.
 *
 * <p>A script whose text carries the line {@code -- vessel: expand} declares that code of the versions before it
 * still works on the schema after it (the expand half of expand-then-contract): it only adds tables, indexes, nullable
 * columns or columns with a default, and rows. During a rolling upgrade the older panels and nodes then go on working
 * with a database the first upgraded one migrated. Any other script is a contract: older code refuses the database it
 * leaves. The claim is checked here, statement by statement, so a script cannot say "expand" and drop a column.
 */
record MigrationScript(String module, int version, String description, String sql) {

    private static final Pattern NAME = Pattern.compile("V(\\d{1,6})__([A-Za-z0-9_\\-]+)\\.sql");
    private static final Pattern EXPAND_MARK = Pattern.compile("(?m)^\\s*--\\s*vessel:\\s*expand\\b");
    /** What an expand script may do: statements older code cannot notice. */
    private static final Pattern ADDITIVE = Pattern.compile("(?is)\\s*(CREATE\\s+TABLE|CREATE\\s+(UNIQUE\\s+)?INDEX|CREATE\\s+SEQUENCE"
            + "|INSERT\\s+INTO|COMMENT\\s+ON|ALTER\\s+TABLE\\s+\\S+\\s+ADD\\s+COLUMN)\\b.*");
    private static final Pattern MANDATORY_WITHOUT_DEFAULT = Pattern.compile("(?is).*\\bNOT\\s+NULL\\b.*");
    private static final Pattern HAS_DEFAULT = Pattern.compile("(?is).*\\bDEFAULT\\b.*");

    MigrationScript {
        if (EXPAND_MARK.matcher(sql).find()) {
            for (String statement : SqlStatements.split(sql)) {
                boolean added = ADDITIVE.matcher(statement).matches();
                boolean column = statement.toUpperCase(java.util.Locale.ROOT).replaceAll("\\s+", " ").matches("(?s)\\s*ALTER TABLE .*");
                if (!added || column && MANDATORY_WITHOUT_DEFAULT.matcher(statement).matches() && !HAS_DEFAULT.matcher(statement).matches()) {
                    throw new IllegalStateException("migration " + module + " V" + version + " says '-- vessel: expand', but older code "
                            + "would notice this statement: " + statement.lines().findFirst().orElse("") + " (an expand script only adds tables, "
                            + "indexes, nullable columns or columns with a default, and rows)");
                }
            }
        }
    }

    /** Whether code of the versions before this script still works after it (see the class comment). */
    boolean expandsOnly() {
        return EXPAND_MARK.matcher(sql).find();
    }

    static boolean isMigrationName(String fileName) {
        return NAME.matcher(fileName).matches();
    }

    static MigrationScript parse(String module, String fileName, String sql) {
        Matcher m = NAME.matcher(fileName);
        if (!m.matches()) {
            throw new IllegalArgumentException("not a migration script name: " + fileName);
        }
        return new MigrationScript(module, Integer.parseInt(m.group(1)), m.group(2).replace('_', ' '), sql);
    }

    /** Line endings do not count, so a checkout on another platform does not look like an edited migration. */
    String checksum() {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest(sql.replace("\r\n", "\n").strip().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
