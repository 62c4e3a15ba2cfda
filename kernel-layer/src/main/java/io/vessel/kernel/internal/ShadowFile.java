package io.vessel.kernel.internal;

import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

/** Edits the text of {@code /etc/shadow}. */
final class ShadowFile {

    private ShadowFile() {
    }

    /** The same file with root's password hash (and last-change day) replaced; a missing root line is added. */
    static String withRootPassword(String shadow, String hash) {
        long today = LocalDate.now(ZoneOffset.UTC).toEpochDay();
        List<String> lines = new ArrayList<>();
        boolean found = false;
        for (String line : shadow.split("\n", -1)) {
            if (line.startsWith("root:")) {
                String[] fields = line.split(":", -1);
                String[] updated = fields.length >= 9 ? fields : java.util.Arrays.copyOf(fields, 9);
                for (int i = 0; i < updated.length; i++) {
                    if (updated[i] == null) {
                        updated[i] = "";
                    }
                }
                updated[1] = hash;
                updated[2] = String.valueOf(today);
                lines.add(String.join(":", updated));
                found = true;
            } else {
                lines.add(line);
            }
        }
        if (!found) {
            lines.add(0, "root:" + hash + ":" + today + ":0:99999:7:::");
        }
        String result = String.join("\n", lines);
        return result.endsWith("\n") ? result : result + "\n";
    }
}
