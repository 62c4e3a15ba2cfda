package io.vessel.launcher;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The panel's configuration: {@code conf/vessel.conf} (lines of {@code section.option = value}) overridden by
 * environment variables. Options of the sections {@code http}, {@code https}, {@code data} and {@code log} are
 * the launcher's, and so is {@code plugins.dir} (the other {@code plugins.*} options are the plugin platform's, PID
 * {@code io.vessel.plugins}); {@code database.*} goes to the PID {@code io.vessel.persistence}; any other section {@code x}
 * goes to the PID {@code io.vessel.x}, so bundles and plugins get configuration without changes here.
 */
final class Settings {

    static final Map<String, String> LAUNCHER_DEFAULTS = Map.ofEntries(
            Map.entry("http.port", "8080"),
            Map.entry("http.host", "0.0.0.0"),
            Map.entry("http.loopback.plain", "true"),
            Map.entry("https.port", "8443"),
            Map.entry("https.certificate", ""),
            Map.entry("https.key", ""),
            Map.entry("data.dir", "data"),
            Map.entry("plugins.dir", "plugins"),
            Map.entry("log.dir", "logs"),
            Map.entry("log.level", "INFO"),
            Map.entry("server.role", "all"));

    /** Environment variable → option. */
    static final Map<String, String> ENVIRONMENT = new LinkedHashMap<>();

    static {
        ENVIRONMENT.put("VESSEL_HTTP_PORT", "http.port");
        ENVIRONMENT.put("VESSEL_HTTP_HOST", "http.host");
        ENVIRONMENT.put("VESSEL_HTTPS_PORT", "https.port");
        ENVIRONMENT.put("VESSEL_HTTPS_CERTIFICATE", "https.certificate");
        ENVIRONMENT.put("VESSEL_HTTPS_KEY", "https.key");
        ENVIRONMENT.put("VESSEL_DATA_DIR", "data.dir");
        ENVIRONMENT.put("VESSEL_PLUGINS_DIR", "plugins.dir");
        ENVIRONMENT.put("VESSEL_LOG_DIR", "log.dir");
        ENVIRONMENT.put("VESSEL_LOG_LEVEL", "log.level");
        ENVIRONMENT.put("VESSEL_ROLE", "server.role");
        ENVIRONMENT.put("VESSEL_DB_URL", "database.url");
        ENVIRONMENT.put("VESSEL_DB_USER", "database.user");
        ENVIRONMENT.put("VESSEL_DB_PASSWORD", "database.password");
        ENVIRONMENT.put("VESSEL_DB_SCHEMA", "database.schema");
    }

    private static final Set<String> LAUNCHER_SECTIONS = Set.of("http", "https", "data", "log", "server");
    /** What this process is: everything (panel and node, the single-server default) or a node agent alone. */
    static final Set<String> ROLES = Set.of("all", "node-agent", "panel");
    private static final Set<String> LOG_LEVELS = Set.of("TRACE", "DEBUG", "INFO", "WARN", "ERROR");
    private static final Pattern LINE = Pattern.compile("([a-z][a-z0-9_-]*)\\.([a-z0-9_.-]*[a-z0-9_])\\s*=\\s*(.*)");
    private static final Map<String, String> PID_OF_SECTION = Map.of("database", "io.vessel.persistence");

    private final Path home;
    private final Map<String, String> options;

    private Settings(Path home, Map<String, String> options) {
        this.home = home;
        this.options = options;
    }

    static Settings load(Path home, Path confFile, Map<String, String> environment) throws ConfigException {
        Map<String, String> options = new TreeMap<>(LAUNCHER_DEFAULTS);
        if (Files.exists(confFile)) {
            options.putAll(parse(confFile));
        }
        for (Map.Entry<String, String> env : ENVIRONMENT.entrySet()) {
            String value = environment.get(env.getKey());
            if (value != null && !value.isEmpty()) {
                options.put(env.getValue(), value);
            }
        }
        Settings settings = new Settings(home, options);
        settings.validate();
        return settings;
    }

    static Map<String, String> parse(Path confFile) throws ConfigException {
        List<String> lines;
        try {
            lines = Files.readAllLines(confFile, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConfigException("cannot read " + confFile + ": " + e.getMessage());
        }
        Map<String, String> options = new LinkedHashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            Matcher m = LINE.matcher(line);
            if (!m.matches()) {
                throw new ConfigException(confFile + " line " + (i + 1) + ": expected 'section.option = value', found '"
                        + abbreviate(line) + "'");
            }
            String key = m.group(1) + "." + m.group(2);
            if (options.containsKey(key)) {
                throw new ConfigException(confFile + " line " + (i + 1) + ": option '" + key + "' is set twice");
            }
            options.put(key, unquote(m.group(3).strip()));
        }
        return options;
    }

    private void validate() throws ConfigException {
        for (String key : options.keySet()) {
            String section = key.substring(0, key.indexOf('.'));
            if (LAUNCHER_SECTIONS.contains(section) && !LAUNCHER_DEFAULTS.containsKey(key)) {
                throw new ConfigException("unknown option '" + key + "'; known " + section + " options: "
                        + LAUNCHER_DEFAULTS.keySet().stream().filter(k -> k.startsWith(section + ".")).sorted().toList());
            }
        }
        if (!ROLES.contains(role())) {
            throw new ConfigException("server.role must be one of " + ROLES.stream().sorted().toList() + ", not '" + options.get("server.role") + "'");
        }
        int port = httpPort();
        if (port < 1 || port > 65535) {
            throw new ConfigException("http.port must be a number from 1 to 65535, not '" + options.get("http.port") + "'");
        }
        int https = httpsPort();
        if (https < 0 || https > 65535 || https == port) {
            throw new ConfigException("https.port must be a number from 1 to 65535 other than http.port, or 0 for no HTTPS, not '"
                    + options.get("https.port") + "'");
        }
        if (httpsCertificate().isPresent() != httpsKey().isPresent()) {
            throw new ConfigException("https.certificate and https.key go together: set both (PEM files) or neither (a self-signed certificate)");
        }
        for (java.util.Optional<Path> pem : List.of(httpsCertificate(), httpsKey())) {
            if (pem.isPresent() && !Files.isReadable(pem.get())) {
                throw new ConfigException("cannot read " + pem.get() + " (https.certificate / https.key)");
            }
        }
        String loopback = options.get("http.loopback.plain").strip();
        if (!loopback.equals("true") && !loopback.equals("false")) {
            throw new ConfigException("http.loopback.plain must be true or false, not '" + loopback + "'");
        }
        if (!LOG_LEVELS.contains(logLevel())) {
            throw new ConfigException("log.level must be one of " + LOG_LEVELS.stream().sorted().toList()
                    + ", not '" + options.get("log.level") + "'");
        }
    }

    int httpPort() {
        try {
            return Integer.parseInt(options.get("http.port").strip());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** 0: no HTTPS. */
    int httpsPort() {
        try {
            return Integer.parseInt(options.get("https.port").strip());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** The PEM certificate chain to serve, if the provider set one (otherwise a self-signed one is made). */
    java.util.Optional<Path> httpsCertificate() {
        String value = options.get("https.certificate").strip();
        return value.isEmpty() ? java.util.Optional.empty() : java.util.Optional.of(home.resolve(value).toAbsolutePath().normalize());
    }

    java.util.Optional<Path> httpsKey() {
        String value = options.get("https.key").strip();
        return value.isEmpty() ? java.util.Optional.empty() : java.util.Optional.of(home.resolve(value).toAbsolutePath().normalize());
    }

    /** Whether plain HTTP from the machine itself is served rather than redirected to HTTPS. */
    boolean loopbackPlain() {
        return Boolean.parseBoolean(options.get("http.loopback.plain").strip());
    }

    /**
     * "all", "node-agent" (the kernel layer and the node channel only: no web tier, no database role of a panel) or
     * "panel" (the web tier and the API without VEs of its own: it manages the node agents' VEs and need not be root).
     */
    String role() {
        return options.get("server.role").strip();
    }

    boolean nodeAgent() {
        return role().equals("node-agent");
    }

    String httpHost() {
        return options.get("http.host");
    }

    String logLevel() {
        return options.get("log.level").strip().toUpperCase(Locale.ROOT);
    }

    /** Whether the panel keeps its state in the embedded database under the data directory (no {@code database.url}). */
    boolean embeddedDatabase() {
        String url = options.get("database.url");
        return url == null || url.isBlank();
    }

    Path dataDir() {
        return resolve("data.dir");
    }

    Path pluginsDir() {
        return resolve("plugins.dir");
    }

    Path logDir() {
        return resolve("log.dir");
    }

    private Path resolve(String key) {
        return home.resolve(options.get(key)).toAbsolutePath().normalize();
    }

    /** Options for bundles, grouped by ConfigAdmin PID. */
    Map<String, Map<String, String>> configurations() {
        Map<String, Map<String, String>> byPid = new TreeMap<>();
        for (Map.Entry<String, String> option : options.entrySet()) {
            String key = option.getKey();
            int dot = key.indexOf('.');
            String section = key.substring(0, dot);
            if (LAUNCHER_SECTIONS.contains(section) || LAUNCHER_DEFAULTS.containsKey(key)) {
                continue;
            }
            String pid = PID_OF_SECTION.getOrDefault(section, "io.vessel." + section);
            byPid.computeIfAbsent(pid, p -> new TreeMap<>()).put(key.substring(dot + 1), option.getValue());
        }
        return byPid;
    }

    private static String unquote(String value) {
        if (value.length() >= 2 && (value.startsWith("\"") && value.endsWith("\"") || value.startsWith("'") && value.endsWith("'"))) {
            return value.substring(1, value.length() - 1);
        }
        return value;
    }

    private static String abbreviate(String s) {
        if (s.toLowerCase(Locale.ROOT).contains("password")) {
            return s.replaceAll("(?i)(password\\S*\\s*[=:]?\\s*).*", "$1***");
        }
        return s.length() <= 80 ? s : s.substring(0, 80) + "…";
    }
}
