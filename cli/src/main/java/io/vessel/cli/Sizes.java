package io.vessel.cli;

import java.util.Locale;

/** Sizes as people type them: {@code 512M}, {@code 1G}, {@code 1.5G}, {@code 20GiB}, plain bytes. Powers of 1024. */
final class Sizes {

    private Sizes() {
    }

    static long parse(String option, String text) {
        String t = text.strip().toUpperCase(Locale.ROOT).replaceAll("I?B$", "");
        long unit = 1;
        if (!t.isEmpty()) {
            switch (t.charAt(t.length() - 1)) {
                case 'K' -> unit = 1L << 10;
                case 'M' -> unit = 1L << 20;
                case 'G' -> unit = 1L << 30;
                case 'T' -> unit = 1L << 40;
                default -> unit = 1;
            }
        }
        String number = unit == 1 ? t : t.substring(0, t.length() - 1);
        try {
            double value = Double.parseDouble(number);
            if (value < 0 || Double.isNaN(value) || Double.isInfinite(value) || value * unit > Long.MAX_VALUE) {
                throw new NumberFormatException();
            }
            return Math.round(value * unit);
        } catch (NumberFormatException e) {
            throw new CliException(ExitCode.USAGE, option + ": \"" + text + "\" is not a size (e.g. 512M, 1G, 20G)");
        }
    }

    /** Bytes the way a table shows them: 512M, 1.5G, 20G. */
    static String format(long bytes) {
        String[] units = {"", "K", "M", "G", "T"};
        double value = bytes;
        int i = 0;
        while (value >= 1024 && i < units.length - 1) {
            value /= 1024;
            i++;
        }
        return (value == Math.rint(value) ? String.valueOf((long) value) : String.format(Locale.ROOT, "%.1f", value)) + units[i];
    }
}
