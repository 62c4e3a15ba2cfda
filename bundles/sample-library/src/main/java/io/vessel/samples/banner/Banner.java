package io.vessel.samples.banner;

import java.util.List;

/** Frames lines of text in a box drawn with characters, as a message of the day shows them. */
public final class Banner {

    private Banner() {
    }

    /** The lines framed, one string with a line break after each row. */
    public static String frame(List<String> lines) {
        int width = lines.stream().mapToInt(String::length).max().orElse(0);
        StringBuilder out = new StringBuilder();
        String border = "+" + "-".repeat(width + 2) + "+\n";
        out.append(border);
        for (String line : lines) {
            out.append("| ").append(line).append(" ".repeat(width - line.length())).append(" |\n");
        }
        return out.append(border).toString();
    }
}
