package io.vessel.plugins.internal;

import java.io.IOException;
import java.net.URI;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.BundleException;
import org.osgi.framework.BundleListener;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.FrameworkListener;
import org.osgi.framework.wiring.BundleCapability;
import org.osgi.framework.wiring.BundleRevision;
import org.osgi.framework.wiring.BundleWiring;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one owner of {@code plugins/}. Whatever is in it is a plugin, put there by hand or through the API: File
 * Install installs each {@code *.jar} (and uninstalls it when the file goes), this class starts it and keeps, per
 * bundle, why it could not start. A disabled plugin is its jar renamed to {@code *.jar.disabled} (File Install
 * ignores it, so it stays disabled through restarts) beside a {@code *.jar.disabled.reason}; a removed plugin's
 * file is gone, so nothing brings it back at the next start.
 */
final class PluginDirectory implements BundleListener, FrameworkListener, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(PluginDirectory.class);

    static final String JAR = ".jar";
    static final String DISABLED = ".jar.disabled";
    static final String REASON = ".reason";
    /** Beside a library installed from the catalogue ({@code x.jar.library}): the plugins it was installed for. */
    static final String LIBRARY = ".library";

    /**
     * What a plugin file holds, from its manifest (read without installing it). {@code bundle} is false for a jar
     * that is not an OSGi bundle (no {@code Bundle-SymbolicName}); it is then named after its file.
     */
    record Descriptor(String symbolicName, String name, String version, String vendor, List<String> imports, boolean bundle) {
    }

    /**
     * A plugin as the list shows it; {@code bundle} is null unless it is installed. {@code installedFor} is null for
     * a plugin and, for a library the catalogue brought, the plugins it was brought for.
     */
    record Entry(Path file, Descriptor descriptor, Bundle bundle, boolean disabled, String reason, List<String> installedFor) {

        boolean library() {
            return installedFor != null;
        }
    }

    private final BundleContext context;
    private final Path dir;
    private final ExecutorService starter;
    /** Why a plugin bundle (by id) could not start, until it is installed again or starts. */
    private final Map<Long, String> failures = new ConcurrentHashMap<>();
    private final java.util.function.LongConsumer stopped;
    private final java.util.function.BiConsumer<String, String> changed;

    /**
     * @param stopped told of each plugin bundle that stopped or went, so its pool can go too
     * @param changed told of each change of a plugin's state (what, plugin), for the live Plugins page
     */
    PluginDirectory(BundleContext context, Path dir, java.util.function.LongConsumer stopped, java.util.function.BiConsumer<String, String> changed) {
        this.context = context;
        this.dir = dir;
        this.stopped = stopped;
        this.changed = changed;
        this.starter = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "vessel-plugin-starter");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Plugins are started once the panel is ready, not while the launcher still starts the panel's own bundles:
     * two threads resolving bundles at once make Felix refuse one of them ("Unable to acquire global lock"), and the
     * panel's start must not fail because of a plugin.
     */
    private volatile boolean panelReady;
    private org.osgi.util.tracker.ServiceTracker<io.vessel.api.platform.PanelReady, io.vessel.api.platform.PanelReady> readiness;

    void open() throws IOException {
        Files.createDirectories(dir);
        context.addBundleListener(this);
        context.addFrameworkListener(this);
        readiness = new org.osgi.util.tracker.ServiceTracker<>(context, io.vessel.api.platform.PanelReady.class, null) {
            @Override
            public io.vessel.api.platform.PanelReady addingService(org.osgi.framework.ServiceReference<io.vessel.api.platform.PanelReady> ref) {
                if (!panelReady) {
                    panelReady = true;
                    startAll();
                }
                return context.getService(ref);
            }
        };
        readiness.open();
    }

    private void startAll() {
        for (Bundle bundle : context.getBundles()) {
            if (isPlugin(bundle) && bundle.getState() != Bundle.ACTIVE) {
                starter.execute(() -> start(bundle));
            }
        }
    }

    Path dir() {
        return dir;
    }

    /** Whether a bundle was installed from {@code plugins/} (by File Install). */
    boolean isPlugin(Bundle bundle) {
        return isIn(bundle, dir);
    }

    /** Whether a bundle's jar lies directly in {@code dir}. */
    static boolean isIn(Bundle bundle, Path dir) {
        return fileOf(bundle).map(f -> dir.equals(f.getParent())).orElse(false);
    }

    /** The plugins directory the launcher configured (File Install's, else {@code plugins}), absolute. */
    static Path configuredDir(BundleContext context) {
        for (String value : new String[] {context.getProperty("vessel.plugins.dir"), context.getProperty("felix.fileinstall.dir")}) {
            if (value != null && !value.isBlank()) {
                return Path.of(value).toAbsolutePath().normalize();
            }
        }
        return Path.of("plugins").toAbsolutePath().normalize();
    }

    static Optional<Path> fileOf(Bundle bundle) {
        String location = bundle.getLocation();
        try {
            if (location.startsWith("file:")) {
                return Optional.of(Path.of(URI.create(location)).toAbsolutePath().normalize());
            }
            if (location.startsWith("/")) {
                return Optional.of(Path.of(location).normalize());
            }
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }

    @Override
    public void bundleChanged(BundleEvent event) {
        Bundle bundle = event.getBundle();
        if (!isPlugin(bundle)) {
            return;
        }
        String name = bundle.getSymbolicName() == null ? String.valueOf(bundle.getBundleId()) : bundle.getSymbolicName();
        switch (event.getType()) {
            case BundleEvent.INSTALLED, BundleEvent.UPDATED, BundleEvent.STARTED, BundleEvent.STOPPED, BundleEvent.UNINSTALLED ->
                    changed.accept(BundleEvent.STARTED == event.getType() ? "STARTED" : "CHANGED", name);
            default -> {
            }
        }
        switch (event.getType()) {
            case BundleEvent.INSTALLED, BundleEvent.UPDATED -> {
                failures.remove(bundle.getBundleId());
                if (panelReady) {
                    starter.execute(() -> start(bundle));
                }
            }
            case BundleEvent.STARTED -> failures.remove(bundle.getBundleId());
            case BundleEvent.STOPPED -> stopped.accept(bundle.getBundleId());
            case BundleEvent.UNINSTALLED -> {
                failures.remove(bundle.getBundleId());
                stopped.accept(bundle.getBundleId());
            }
            default -> {
            }
        }
    }

    /** Errors the framework reports for a plugin (e.g. its restart after an update failed). */
    @Override
    public void frameworkEvent(FrameworkEvent event) {
        if (event.getType() == FrameworkEvent.ERROR && event.getBundle() != null && isPlugin(event.getBundle())) {
            failures.put(event.getBundle().getBundleId(), explain(event.getThrowable()));
        }
    }

    private void start(Bundle bundle) {
        int state = bundle.getState();
        if (state == Bundle.UNINSTALLED || state == Bundle.ACTIVE || state == Bundle.STARTING) {
            return;
        }
        try {
            startRetryingLockContention(bundle);
            LOG.info("Plugin started plugin={} version={}", bundle.getSymbolicName(), bundle.getVersion());
        } catch (BundleException | RuntimeException e) {
            String reason = explain(e);
            failures.put(bundle.getBundleId(), reason);
            changed.accept("FAILED", bundle.getSymbolicName());
            LOG.warn("Plugin cannot start plugin={} file={} reason=\"{}\"", bundle.getSymbolicName(),
                    fileOf(bundle).map(Path::getFileName).orElse(null), reason);
        }
    }

    /**
     * Felix refuses a resolve while another thread resolves (File Install refreshing after an install, say) with
     * "Unable to acquire global lock": that is a moment's contention, not the plugin's fault, so it is tried again.
     */
    private static void startRetryingLockContention(Bundle bundle) throws BundleException {
        for (int attempt = 1; ; attempt++) {
            try {
                bundle.start();
                return;
            } catch (BundleException e) {
                if (attempt >= 20 || e.getMessage() == null || !e.getMessage().contains("Unable to acquire global lock")) {
                    throw e;
                }
                try {
                    Thread.sleep(250);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    String failure(long bundleId) {
        return failures.get(bundleId);
    }

    private static final Pattern MISSING_PACKAGE = Pattern.compile(
            "osgi\\.wiring\\.package; \\(&?\\(?osgi\\.wiring\\.package=([^)]+)\\)(?:\\(version>=([^)]+)\\))?(?:\\(!\\(version>=([^)]+)\\)\\))?");

    /** One sentence for a start that failed: the missing package and range, or what the activator threw. */
    String explain(Throwable e) {
        String message = e.getMessage() == null ? e.toString() : e.getMessage();
        Matcher m = MISSING_PACKAGE.matcher(message);
        if (m.find()) {
            List<String> offered = exportedVersions(m.group(1));
            return "needs package " + m.group(1) + range(m.group(2), m.group(3)) + ", which this panel does not provide"
                    + (offered.isEmpty() ? "" : " (it has " + String.join(", ", offered) + ")");
        }
        if (message.contains("missing requirement")) {
            return describeFailure(message);
        }
        Throwable cause = e.getCause() != null ? e.getCause() : e;
        if (e instanceof BundleException be && be.getType() == BundleException.ACTIVATOR_ERROR) {
            return "its activator failed: " + describe(cause);
        }
        return cause == e ? message : message + " (" + cause + ")";
    }

    /** The resolver's "missing requirement" message, without its listing of every unresolved requirement. */
    static String describeFailure(String message) {
        int at = message.indexOf("missing requirement");
        return at < 0 ? message : "cannot be resolved: " + message.substring(at).replaceAll("\\s*Unresolved requirements:.*", "");
    }

    private static final Pattern PACKAGE_FILTER = Pattern.compile(
            "\\(osgi\\.wiring\\.package=([^)]+)\\)(?:\\(version>=([^)]+)\\))?(?:\\(!\\(version>=([^)]+)\\)\\))?");

    /** "needs package x from 1.2.0 up to (not including) 2.0.0" for a requirement's namespace and filter. */
    static String describeRequirement(String namespace, String filter) {
        Matcher m = filter == null ? null : PACKAGE_FILTER.matcher(filter);
        if (m != null && m.find()) {
            return "needs package " + m.group(1) + range(m.group(2), m.group(3));
        }
        return "needs " + namespace + (filter == null ? "" : " " + filter);
    }

    private static String range(String from, String below) {
        return from == null ? "" : below == null ? " " + from + " or newer" : " from " + from + " up to (not including) " + below;
    }

    /** What the plugin's code said when it failed; exception class names stay in the log, out of answers. */
    static String describe(Throwable t) {
        return t.getMessage() == null || t.getMessage().isBlank() ? "it gave no reason" : t.getMessage();
    }

    private List<String> exportedVersions(String pkg) {
        List<String> versions = new ArrayList<>();
        for (Bundle b : context.getBundles()) {
            BundleWiring wiring = b.adapt(BundleWiring.class);
            if (wiring == null) {
                continue;
            }
            for (BundleCapability cap : wiring.getCapabilities(BundleRevision.PACKAGE_NAMESPACE)) {
                if (pkg.equals(cap.getAttributes().get(BundleRevision.PACKAGE_NAMESPACE))) {
                    versions.add(String.valueOf(cap.getAttributes().get("version")));
                }
            }
        }
        return versions;
    }

    /** Every plugin file, by name. */
    List<Entry> list() throws IOException {
        Map<Path, Bundle> bundles = new java.util.HashMap<>();
        for (Bundle b : context.getBundles()) {
            fileOf(b).filter(f -> dir.equals(f.getParent())).ifPresent(f -> bundles.put(f, b));
        }
        List<Entry> entries = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path file : files) {
                String name = file.getFileName().toString();
                boolean disabled = name.endsWith(DISABLED);
                if (!disabled && !name.endsWith(JAR) || !Files.isRegularFile(file)) {
                    continue;
                }
                Descriptor descriptor = describe(file);
                String reason = disabled ? readReason(file) : null;
                entries.add(new Entry(file, descriptor, disabled ? null : bundles.get(file.toAbsolutePath().normalize()), disabled, reason,
                        readLibraryMarker(jarOf(file))));
            }
        }
        entries.sort(Comparator.comparing(e -> e.descriptor().symbolicName()));
        return entries;
    }

    Optional<Entry> find(String name) throws IOException {
        return list().stream().filter(e -> e.descriptor().symbolicName().equals(name)).findFirst();
    }

    /** The plugin of a bundle id, if that bundle came from {@code plugins/}. */
    Optional<Bundle> bundle(long id) {
        Bundle b = context.getBundle(id);
        return b != null && isPlugin(b) ? Optional.of(b) : Optional.empty();
    }

    /**
     * Disables a plugin: stopped at once (on a thread of its own, since a plugin's stop may hang too), its jar
     * renamed so that File Install uninstalls it and no restart starts it again.
     */
    void disable(Entry entry, String reason) throws IOException {
        if (entry.disabled()) {
            return;
        }
        Bundle bundle = entry.bundle();
        if (bundle != null) {
            Thread stopper = new Thread(() -> {
                try {
                    bundle.stop(Bundle.STOP_TRANSIENT);
                } catch (BundleException | IllegalStateException e) {
                    LOG.warn("Plugin did not stop cleanly plugin={}: {}", entry.descriptor().symbolicName(), e.toString());
                }
            }, "vessel-plugin-stop-" + entry.descriptor().symbolicName());
            stopper.setDaemon(true);
            stopper.start();
        }
        Path target = sibling(entry.file(), entry.file().getFileName() + ".disabled");
        writeReason(target, reason);
        move(entry.file(), target);
        LOG.info("Plugin disabled plugin={} reason=\"{}\"", entry.descriptor().symbolicName(), reason);
    }

    void enable(Entry entry) throws IOException {
        if (!entry.disabled()) {
            return;
        }
        move(entry.file(), jarOf(entry.file()));
        Files.deleteIfExists(reasonFile(entry.file()));
        LOG.info("Plugin enabled plugin={}", entry.descriptor().symbolicName());
    }

    /** Removes the plugin's file; File Install uninstalls the bundle. */
    void remove(Entry entry) throws IOException {
        Files.deleteIfExists(entry.file());
        Files.deleteIfExists(reasonFile(entry.file()));
        Files.deleteIfExists(libraryMarker(jarOf(entry.file())));
        LOG.info("{} removed {}={}", entry.library() ? "Library" : "Plugin", entry.library() ? "library" : "plugin", entry.descriptor().symbolicName());
    }

    /** The bundles (by symbolic name) wired to a running bundle's capabilities: who uses a library. */
    static List<String> usedBy(Bundle bundle) {
        List<String> users = new ArrayList<>();
        BundleWiring wiring = bundle == null ? null : bundle.adapt(BundleWiring.class);
        if (wiring != null) {
            for (var wire : wiring.getProvidedWires(null)) {
                Bundle requirer = wire.getRequirerWiring().getBundle();
                if (requirer.getBundleId() != bundle.getBundleId() && !users.contains(requirer.getSymbolicName())) {
                    users.add(requirer.getSymbolicName());
                }
            }
        }
        return users;
    }

    /**
     * The libraries the catalogue brought that nothing but {@code plugin} (or other such libraries) uses: they go
     * with it, so removing a plugin installed from the catalogue leaves nothing of it behind.
     */
    List<Entry> librariesOnlyFor(Entry plugin) throws IOException {
        java.util.Set<String> going = new java.util.HashSet<>(List.of(plugin.descriptor().symbolicName()));
        List<Entry> out = new ArrayList<>();
        List<Entry> libraries = list().stream().filter(e -> e.library() && e != plugin && !e.descriptor().symbolicName().equals(
                plugin.descriptor().symbolicName())).toList();
        for (boolean more = true; more; ) {
            more = false;
            for (Entry library : libraries) {
                if (out.contains(library)) {
                    continue;
                }
                List<String> users = usedBy(library.bundle());
                boolean broughtFor = library.installedFor().stream().anyMatch(going::contains);
                if (going.containsAll(users) && (broughtFor || !users.isEmpty())) {
                    out.add(library);
                    going.add(library.descriptor().symbolicName());
                    more = true;
                }
            }
        }
        return out;
    }

    static Path libraryMarker(Path jar) {
        return jar.resolveSibling(jar.getFileName() + LIBRARY);
    }

    static void writeLibraryMarker(Path jar, String installedFor) throws IOException {
        writeLine(libraryMarker(jar), installedFor);
    }

    private static List<String> readLibraryMarker(Path jar) {
        Path file = libraryMarker(jar);
        try {
            return Files.exists(file) ? Files.readAllLines(file).stream().map(String::strip).filter(l -> !l.isEmpty()).toList() : null;
        } catch (IOException e) {
            return List.of();
        }
    }

    /** The plugin's jar name whether it is enabled or not ({@code x.jar} for {@code x.jar.disabled}). */
    private static Path jarOf(Path file) {
        String name = file.getFileName().toString();
        return name.endsWith(DISABLED) ? file.resolveSibling(name.substring(0, name.length() - ".disabled".length())) : file;
    }

    private static Path sibling(Path file, String name) {
        return file.resolveSibling(name);
    }

    private static Path reasonFile(Path disabledJar) {
        return disabledJar.resolveSibling(disabledJar.getFileName() + REASON);
    }

    private static String readReason(Path disabledJar) {
        try {
            Path file = reasonFile(disabledJar);
            return Files.exists(file) ? Files.readString(file).strip() : "disabled by an administrator";
        } catch (IOException e) {
            return "disabled";
        }
    }

    private static void writeReason(Path disabledJar, String reason) throws IOException {
        writeLine(reasonFile(disabledJar), reason);
    }

    /** Writes one line beside the plugins, whole or not at all (File Install and readers never see half of it). */
    private static void writeLine(Path file, String line) throws IOException {
        Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp");
        Files.writeString(tmp, line + "\n");
        move(tmp, file);
    }

    static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** The plugin's identity from its manifest; a jar that is not a bundle is named after its file. */
    static Descriptor describe(Path file) {
        String fileName = file.getFileName().toString();
        String base = fileName.endsWith(DISABLED) ? fileName.substring(0, fileName.length() - DISABLED.length())
                : fileName.substring(0, fileName.length() - JAR.length());
        try (JarFile jar = new JarFile(file.toFile(), false)) {
            Manifest manifest = jar.getManifest();
            Attributes main = manifest == null ? new Attributes() : manifest.getMainAttributes();
            String symbolic = main.getValue("Bundle-SymbolicName");
            Function<String, String> value = main::getValue;
            return new Descriptor(symbolic == null ? base : symbolic.split(";")[0].strip(), value.apply("Bundle-Name"),
                    value.apply("Bundle-Version"), value.apply("Bundle-Vendor"), vesselImports(value.apply("Import-Package")), symbolic != null);
        } catch (IOException e) {
            return new Descriptor(base, null, null, null, List.of(), false);
        }
    }

    private static final Pattern MIGRATION = Pattern.compile("db/migration/([a-z0-9-]+)/V(\\d+)__[^/]*\\.sql");
    private static final Pattern CREATE_TABLE = Pattern.compile("(?i)\\bcreate\\s+table\\s+(?:if\\s+not\\s+exists\\s+)?\"?([A-Za-z_][A-Za-z0-9_]*)\"?");

    /**
     * The tables a plugin jar's migrations create, per module ({@code db/migration/<module>/V<n>__*.sql}), in the
     * order they are created: what purging the plugin drops.
     */
    static Map<String, List<String>> migrationTables(Path jarFile) throws IOException {
        Map<String, java.util.TreeMap<Integer, String>> scripts = new java.util.TreeMap<>();
        try (JarFile jar = new JarFile(jarFile.toFile(), false)) {
            for (var entries = jar.entries(); entries.hasMoreElements(); ) {
                var entry = entries.nextElement();
                Matcher m = MIGRATION.matcher(entry.getName());
                if (m.matches()) {
                    try (var in = jar.getInputStream(entry)) {
                        scripts.computeIfAbsent(m.group(1), k -> new java.util.TreeMap<>())
                                .put(Integer.parseInt(m.group(2)), new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
                    }
                }
            }
        }
        Map<String, List<String>> tables = new java.util.LinkedHashMap<>();
        scripts.forEach((module, byVersion) -> {
            List<String> names = new ArrayList<>();
            byVersion.values().forEach(sql -> {
                Matcher m = CREATE_TABLE.matcher(sql.replaceAll("--[^\\n]*", ""));
                while (m.find()) {
                    if (!names.contains(m.group(1).toLowerCase(java.util.Locale.ROOT))) {
                        names.add(m.group(1).toLowerCase(java.util.Locale.ROOT));
                    }
                }
            });
            tables.put(module, names);
        });
        return tables;
    }

    /** The panel API packages a plugin imports, with their version ranges ({@code io.vessel.api.security [1.0,2)}). */
    static List<String> vesselImports(String header) {
        if (header == null) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        for (String clause : splitClauses(header)) {
            String pkg = clause.split(";")[0].strip();
            if (!pkg.startsWith("io.vessel.")) {
                continue;
            }
            Matcher v = Pattern.compile("version=\"?([^\";,]+(?:,[^\";]+)?)\"?").matcher(clause);
            out.add(v.find() ? pkg + " " + v.group(1) : pkg);
        }
        return out;
    }

    /** Splits a manifest header at commas outside quotes (version ranges contain commas). */
    private static List<String> splitClauses(String header) {
        List<String> clauses = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        boolean quoted = false;
        for (char c : header.toCharArray()) {
            if (c == '"') {
                quoted = !quoted;
            }
            if (c == ',' && !quoted) {
                clauses.add(current.toString());
                current.setLength(0);
            } else {
                current.append(c);
            }
        }
        clauses.add(current.toString());
        return clauses;
    }

    @Override
    public void close() {
        if (readiness != null) {
            readiness.close();
        }
        context.removeBundleListener(this);
        context.removeFrameworkListener(this);
        starter.shutdownNow();
        try {
            starter.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
