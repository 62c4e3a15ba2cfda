package io.vessel.plugins.internal;

import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The provider's own time limits for plugins' VE hooks, overriding what each plugin declares: a provider whose
 * policy plugin asks a slow service may give it 5 s; one who finds a plugin holding up starts may cut it to 300 ms.
 * Kept by plugin name in {@code plugins/.hook-time-limits} beside the plugins' other provider-set state (enabled or
 * not), so an upgrade keeps it and removing the plugin forgets it.
 */
final class HookTimeLimits {

    static final Duration SHORTEST = Duration.ofMillis(10);
    static final Duration LONGEST = Duration.ofSeconds(60);
    static final String FILE = ".hook-time-limits";

    private final Path file;
    private final Map<String, Duration> limits = new ConcurrentHashMap<>();

    HookTimeLimits(Path pluginsDir) {
        this.file = pluginsDir.resolve(FILE);
    }

    void load() throws IOException {
        limits.clear();
        if (!Files.exists(file)) {
            return;
        }
        Properties stored = new Properties();
        try (Reader reader = Files.newBufferedReader(file)) {
            stored.load(reader);
        }
        for (String name : stored.stringPropertyNames()) {
            try {
                limits.put(name, clamp(Duration.ofMillis(Long.parseLong(stored.getProperty(name).strip()))));
            } catch (NumberFormatException e) {
                // a hand-edited line that is not a number is ignored; the plugin's own limit applies
            }
        }
    }

    Optional<Duration> of(String plugin) {
        return Optional.ofNullable(plugin == null ? null : limits.get(plugin));
    }

    /** Sets the plugin's limit, or forgets it ({@code null}): its hooks' own limits apply again. */
    synchronized void set(String plugin, Duration limit) throws IOException {
        if (limit == null) {
            if (limits.remove(plugin) == null) {
                return; // nothing set: nothing to write (a removed plugin leaves no file behind)
            }
        } else {
            if (limit.compareTo(SHORTEST) < 0 || limit.compareTo(LONGEST) > 0) {
                throw new IllegalArgumentException("a hook time limit must be between " + SHORTEST.toMillis() + " ms and "
                        + LONGEST.toSeconds() + " s");
            }
            limits.put(plugin, limit);
        }
        save();
    }

    private void save() throws IOException {
        if (limits.isEmpty()) {
            Files.deleteIfExists(file);
            return;
        }
        Properties out = new Properties();
        limits.forEach((name, limit) -> out.setProperty(name, Long.toString(limit.toMillis())));
        StringWriter text = new StringWriter();
        out.store(text, "time limits of plugins' VE hooks in milliseconds, set by the provider");
        Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp");
        Files.writeString(tmp, text.toString());
        PluginDirectory.move(tmp, file);
    }

    private static Duration clamp(Duration d) {
        return d.compareTo(SHORTEST) < 0 ? SHORTEST : d.compareTo(LONGEST) > 0 ? LONGEST : d;
    }
}
