package io.vessel.backup.internal;

import java.util.ArrayList;
import java.util.List;

/**
 * Which backups a schedule keeps, with restic's semantics ({@code forget --keep-*}): the newest {@code last}, and the
 * newest of each of the last {@code hourly} hours, {@code daily} days, … that have one. 0 does not use a rule; no rule
 * at all keeps every backup.
 */
public record Retention(int last, int hourly, int daily, int weekly, int monthly, int yearly) {

    static final int MAX = 1000;

    public Retention {
        for (int n : new int[] {last, hourly, daily, weekly, monthly, yearly}) {
            if (n < 0 || n > MAX) {
                throw new IllegalArgumentException("each keep rule is a number from 0 to " + MAX);
            }
        }
    }

    boolean keepsAll() {
        return last + hourly + daily + weekly + monthly + yearly == 0;
    }

    /** restic's options for this policy. */
    List<String> options() {
        List<String> out = new ArrayList<>();
        add(out, "--keep-last", last);
        add(out, "--keep-hourly", hourly);
        add(out, "--keep-daily", daily);
        add(out, "--keep-weekly", weekly);
        add(out, "--keep-monthly", monthly);
        add(out, "--keep-yearly", yearly);
        return out;
    }

    private static void add(List<String> out, String option, int n) {
        if (n > 0) {
            out.add(option);
            out.add(Integer.toString(n));
        }
    }
}
