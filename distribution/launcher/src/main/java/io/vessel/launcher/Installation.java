package io.vessel.launcher;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * An installation's configuration as the launcher reads it, for tools that prepare a server before its first start
 * ({@code bin/vessel node join}): where its data and configuration file are, its node identity, and writing options
 * into its configuration file. The same rules as the start itself, so a tool never looks elsewhere than the panel will.
 */
public final class Installation {

    private final Settings settings;
    private final Path confFile;

    private Installation(Settings settings, Path confFile) {
        this.settings = settings;
        this.confFile = confFile;
    }

    /** The installation at {@code home}, configured by {@code VESSEL_CONF} (or {@code conf/vessel.conf}) and the environment. */
    public static Installation load(Path home, Map<String, String> environment) throws IOException {
        Path conf = environment.containsKey("VESSEL_CONF") ? Path.of(environment.get("VESSEL_CONF")) : home.resolve("conf").resolve("vessel.conf");
        try {
            return new Installation(Settings.load(home, conf, environment), conf);
        } catch (ConfigException e) {
            throw new IOException("configuration error: " + e.getMessage(), e);
        }
    }

    public Path dataDir() {
        return settings.dataDir();
    }

    /** Whether the configuration file sets {@code key} itself (not a default, not the environment). */
    public boolean configures(String key) {
        try {
            return Files.exists(confFile) && Settings.parse(confFile).containsKey(key);
        } catch (ConfigException e) {
            return false;
        }
    }

    /** What this server runs as now: "all" or "node-agent" (server.role). */
    public String role() {
        return settings.role();
    }

    public Path confFile() {
        return confFile;
    }

    /** This server's node id ({@code data/node-id}), made now if it has none yet. */
    public String ensureNodeId() throws IOException {
        try {
            Files.createDirectories(settings.dataDir());
            return NodeIdentity.ensure(settings.dataDir());
        } catch (ConfigException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    /**
     * Sets {@code options} ({@code section.option} to value) in the configuration file: a line setting one is
     * replaced where it is, the others are added at the end; comments and other options stay. The file is replaced in
     * one step and readable by its owner only (it may now hold a password). Refused when the result would not load.
     */
    public void setOptions(Map<String, String> options, String why) throws IOException {
        List<String> lines = Files.exists(confFile) ? Files.readAllLines(confFile, StandardCharsets.UTF_8) : new ArrayList<>();
        Map<String, String> toAdd = new LinkedHashMap<>(options);
        List<String> written = new ArrayList<>();
        for (String line : lines) {
            String replaced = line;
            for (Map.Entry<String, String> option : options.entrySet()) {
                if (Pattern.compile("\\s*" + Pattern.quote(option.getKey()) + "\\s*=.*").matcher(line).matches()) {
                    replaced = option.getKey() + " = " + quote(option.getValue());
                    toAdd.remove(option.getKey());
                }
            }
            written.add(replaced);
        }
        if (!toAdd.isEmpty()) {
            written.add("");
            written.add("# " + why);
            toAdd.forEach((key, value) -> written.add(key + " = " + quote(value)));
        }
        Path dir = confFile.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path temporary = Files.createTempFile(dir, ".vessel.conf-", ".tmp", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try {
            Files.write(temporary, written, StandardCharsets.UTF_8);
            Settings.parse(temporary);
            Files.move(temporary, confFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (ConfigException e) {
            throw new IOException("the configuration would not load: " + e.getMessage(), e);
        } finally {
            Files.deleteIfExists(temporary);
        }
    }

    /** A value as the file's format reads it back: quoted when it has surrounding blanks or is empty. */
    private static String quote(String value) {
        return value.isEmpty() || !value.equals(value.strip()) ? "\"" + value + "\"" : value;
    }
}
