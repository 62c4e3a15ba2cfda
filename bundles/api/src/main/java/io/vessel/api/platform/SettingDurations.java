package io.vessel.api.platform;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations in configuration settings, written as people write them in {@code vessel.conf}: a number with a unit
 * ({@code 250ms}, {@code 30s}, {@code 5m}, {@code 12h}, {@code 30d}); a bare number is seconds. One reading for every
 * bundle, so a setting means the same everywhere. @since 1.1
 */
public final class SettingDurations {

    private static final Pattern DURATION = Pattern.compile("\\s*(\\d{1,9})\\s*(ms|s|m|h|d)?\\s*");

    private SettingDurations() {
    }

    /**
     * The duration {@code text} says.
     *
     * @param setting the setting's name, for the message when {@code text} is not a duration
     * @throws IllegalArgumentException naming the setting and what it was given
     */
    public static Duration parse(String setting, String text) {
        Matcher m = DURATION.matcher(text == null ? "" : text);
        if (!m.matches()) {
            throw new IllegalArgumentException(setting + " must be a duration such as 30s, 5m or 12h, not '" + text + "'");
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2) == null ? "s" : m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            case "d" -> Duration.ofDays(n);
            default -> Duration.ofSeconds(n);
        };
    }
}
