package io.vessel.persistence.internal;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** One versioned SQL script of one module, e.g. {@code V1__create_node.sql}. */
record MigrationScript(String module, int version, String description, String sql) {

    private static final Pattern NAME = Pattern.compile("V(\\d{1,6})__([A-Za-z0-9_\\-]+)\\.sql");

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
