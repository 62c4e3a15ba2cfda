package io.vessel.plugins.internal;

import io.vessel.web.api.Problem;
import io.vessel.web.api.ProblemException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.CodeSigner;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Enumeration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import org.osgi.framework.Bundle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Installs and upgrades plugins from uploaded jars. A plugin runs as the panel (root), so an upload is checked
 * before anything is installed: it must be a bundle, within the size limit, and — unless the provider said
 * otherwise — signed with jarsigner by a key the provider trusts ({@code plugins.trust}), every entry covered and
 * unchanged. The jar then goes into {@code plugins/} (written beside it first and moved in, so File Install never
 * sees half a file), and the answer waits until it started or said why not. An upgrade that cannot start is rolled
 * back to the previous jar, which keeps serving.
 */
final class PluginInstaller {

    private static final Logger LOG = LoggerFactory.getLogger(PluginInstaller.class);
    private static final Duration START_WAIT = Duration.ofSeconds(20);

    /** {@code plugins.*}: upload on or off, signature policy, trusted signers, size limit. */
    record Settings(boolean upload, String signature, Path trust, long maxBytes) {
    }

    private final PluginDirectory directory;
    private final Settings settings;
    private final Set<X509Certificate> trusted;
    /** Why a running plugin is not healthy (a component that failed to activate), or null. */
    private final java.util.function.Function<PluginDirectory.Entry, String> health;

    PluginInstaller(PluginDirectory directory, Settings settings, java.util.function.Function<PluginDirectory.Entry, String> health)
            throws IOException, CertificateException {
        this.directory = directory;
        this.settings = settings;
        this.health = health;
        this.trusted = new HashSet<>();
        if (settings.trust() != null) {
            try (InputStream in = Files.newInputStream(settings.trust())) {
                for (var cert : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                    trusted.add((X509Certificate) cert);
                }
            }
        }
    }

    boolean uploadEnabled() {
        return settings.upload();
    }

    /** A new plugin; refused if one with the same symbolic name is installed (upgrade it instead). */
    PluginDirectory.Entry install(Upload body) throws IOException {
        Path upload = receive(body);
        try {
            PluginDirectory.Descriptor d = check(upload);
            if (directory.find(d.symbolicName()).isPresent()) {
                throw ProblemException.conflict("Plugin " + d.symbolicName() + " is installed already; upgrade it with PUT /api/v1/plugins/"
                        + d.symbolicName() + ".");
            }
            Path target = directory.dir().resolve(d.symbolicName() + PluginDirectory.JAR);
            PluginDirectory.move(upload, target);
            LOG.info("Plugin uploaded plugin={} version={}", d.symbolicName(), d.version());
            return awaitSettled(d.symbolicName(), d.version());
        } finally {
            Files.deleteIfExists(upload);
        }
    }

    /** Replaces an installed plugin's jar; if the new version does not start, the previous one is put back. */
    PluginDirectory.Entry upgrade(String name, Upload body) throws IOException {
        PluginDirectory.Entry current = directory.find(name).orElseThrow(() -> ProblemException.notFound("There is no plugin " + name + "."));
        Path upload = receive(body);
        try {
            return replace(current, upload, check(upload));
        } finally {
            Files.deleteIfExists(upload);
        }
    }

    /** Puts {@code upload} (plugin {@code d}, checked) in place of {@code current}; rolled back if it cannot start. */
    private PluginDirectory.Entry replace(PluginDirectory.Entry current, Path upload, PluginDirectory.Descriptor d) throws IOException {
        String name = current.descriptor().symbolicName();
        Path backup = directory.dir().resolve("." + current.file().getFileName() + ".previous");
        try {
            if (!d.symbolicName().equals(name)) {
                throw new ProblemException(422, "unprocessable", "Unprocessable request", "The upload is plugin " + d.symbolicName()
                        + ", not " + name + ".", List.of());
            }
            Files.copy(current.file(), backup, StandardCopyOption.REPLACE_EXISTING);
            PluginDirectory.move(upload, current.file());
            if (current.disabled()) {
                LOG.info("Disabled plugin replaced plugin={} version={}", name, d.version());
                return directory.find(name).orElseThrow();
            }
            PluginDirectory.Entry after = awaitSettled(name, d.version());
            String problem = problem(after, d.version());
            if (problem == null) {
                LOG.info("Plugin upgraded plugin={} from={} to={}", name, current.descriptor().version(), d.version());
                return after;
            }
            LOG.warn("Plugin upgrade rolled back plugin={} version={}: {}", name, d.version(), problem);
            PluginDirectory.move(backup, current.file());
            awaitSettled(name, current.descriptor().version());
            throw new ProblemException(422, "unprocessable", "Upgrade rolled back", "Version " + d.version() + " of " + name
                    + " could not start (" + problem + "); version " + current.descriptor().version() + " was put back and keeps serving.", List.of());
        } finally {
            Files.deleteIfExists(backup);
        }
    }

    /**
     * Installs a catalogue item, or upgrades an older version of it, with whatever library bundles it needs from the
     * catalogue, all or nothing: the
     * framework's resolver decides what is needed (or names what is missing), every artifact is fetched and checked
     * against its SHA-256 before any of them goes into {@code plugins/}, the libraries go in first and must start,
     * then the plugin; if anything fails, everything this install put there is taken out again.
     */
    PluginDirectory.Entry installFromCatalogue(PluginCatalogue catalogue, org.osgi.framework.BundleContext context,
                                               org.osgi.service.resolver.Resolver resolver, String name, String version) throws IOException {
        PluginCatalogue.Index index = catalogue.read();
        PluginCatalogue.Item wanted = index.newest(name, version).orElseThrow(() -> ProblemException.notFound("The catalogue has no "
                + name + (version == null || version.isBlank() ? "" : " " + version) + "."));
        PluginDirectory.Entry current = directory.find(name).orElse(null);
        if (current != null && (current.library() || !(org.osgi.framework.Version.parseVersion(current.descriptor().version()).compareTo(wanted.version()) < 0))) {
            throw ProblemException.conflict((current.library() ? "Library " : "Plugin ") + name + " " + current.descriptor().version()
                    + " is installed already" + (current.library() ? "." : "; the catalogue has nothing newer than that."));
        }
        if (resolver == null) {
            throw new ProblemException(503, "unavailable", "Resolver unavailable", "The framework's resolver is not available yet; try again.");
        }
        Set<String> installed = new HashSet<>();
        for (PluginDirectory.Entry entry : directory.list()) {
            installed.add(entry.descriptor().symbolicName());
        }
        installed.remove(name); // an upgrade: the newer version is what is offered
        for (org.osgi.framework.Bundle bundle : context.getBundles()) {
            if (bundle.getSymbolicName() != null) {
                installed.add(bundle.getSymbolicName());
            }
        }
        List<org.osgi.resource.Resource> needed;
        try {
            needed = CatalogueResolution.resolve(context, resolver, wanted.resource(), index.items(), installed);
        } catch (CatalogueResolution.Unresolvable e) {
            throw new ProblemException(422, "unprocessable", "Requirements not met", name + " " + wanted.version() + " cannot be installed: "
                    + e.getMessage() + ", which neither this panel nor the catalogue provides. Nothing was installed.", List.of());
        }
        java.util.Map<org.osgi.resource.Resource, PluginCatalogue.Item> items = new java.util.HashMap<>();
        index.items().forEach(i -> items.put(i.resource(), i));
        List<Path> downloads = new java.util.ArrayList<>();
        List<Path> placed = new java.util.ArrayList<>();
        try {
            for (org.osgi.resource.Resource resource : needed) {
                PluginCatalogue.Item item = items.get(resource);
                Path download = directory.dir().resolve(".catalogue-" + UUID.randomUUID() + ".tmp");
                downloads.add(download);
                catalogue.download(item, download);
                PluginDirectory.Descriptor d = PluginDirectory.describe(download);
                if (!d.bundle() || !d.symbolicName().equals(item.name()) || !org.osgi.framework.Version.parseVersion(d.version()).equals(item.version())) {
                    throw new ProblemException(422, "unprocessable", "Artifact does not match the catalogue", "The artifact of " + item.name() + " "
                            + item.version() + " is " + d.symbolicName() + " " + d.version() + ". Nothing was installed.");
                }
            }
            for (int i = 0; i < needed.size(); i++) {
                PluginCatalogue.Item item = items.get(needed.get(i));
                boolean library = item != wanted;
                if (!library && current != null) {
                    // the libraries it needs now run; the plugin itself is replaced as an upload is (rolled back if it cannot start)
                    PluginDirectory.Entry upgraded = replace(current, downloads.get(i), PluginDirectory.describe(downloads.get(i)));
                    placed.clear();
                    return upgraded;
                }
                Path target = directory.dir().resolve(item.name() + PluginDirectory.JAR);
                if (library) {
                    placed.add(PluginDirectory.libraryMarker(target));
                    PluginDirectory.writeLibraryMarker(target, name);
                }
                placed.add(target);
                PluginDirectory.move(downloads.get(i), target);
                PluginDirectory.Entry settled = awaitSettled(item.name(), item.version().toString());
                String problem = problem(settled, item.version().toString());
                if (problem != null) {
                    throw new ProblemException(422, "unprocessable", "Install failed", (library ? "Library " + item.name() + ", which " + name
                            + " needs," : name) + " " + item.version() + " could not start (" + problem + "). Nothing was installed.", List.of());
                }
                LOG.info("Installed from the catalogue {}={} version={} for={}", library ? "library" : "plugin", item.name(), item.version(), name);
            }
            placed.clear();
            return directory.find(name).orElseThrow();
        } finally {
            for (Path download : downloads) {
                Files.deleteIfExists(download);
            }
            for (Path file : placed) {
                Files.deleteIfExists(file);
            }
        }
    }

    /** An uploaded jar's bytes, written to the stream it is given: a raw request body, or a form's file part. */
    @FunctionalInterface
    interface Upload {
        void writeTo(java.io.OutputStream out) throws IOException;
    }

    /** The upload that is the whole request body. */
    static Upload raw(InputStream body) {
        return out -> {
            try (InputStream in = body) {
                in.transferTo(out);
            }
        };
    }

    /** Keeps the upload beside the plugins (never more than {@code plugins.max.size}); nothing is left if it fails. */
    private Path receive(Upload body) throws IOException {
        Path upload = directory.dir().resolve(".upload-" + UUID.randomUUID() + ".tmp");
        try (var out = new Limited(Files.newOutputStream(upload), settings.maxBytes())) {
            body.writeTo(out);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(upload);
            throw e;
        }
        return upload;
    }

    /** Refuses to write more than the limit. */
    private static final class Limited extends java.io.FilterOutputStream {
        private final long max;
        private long written;

        Limited(java.io.OutputStream out, long max) {
            super(out);
            this.max = max;
        }

        @Override
        public void write(int b) throws IOException {
            count(1);
            out.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            count(len);
            out.write(b, off, len);
        }

        private void count(int n) {
            written += n;
            if (written > max) {
                throw new ProblemException(413, "too-large", "Too large", "A plugin may be at most " + max / (1024 * 1024)
                        + " MiB (plugins.max.size).", List.of());
            }
        }
    }

    /** A bundle, signed as the policy wants; returns what it is. */
    PluginDirectory.Descriptor check(Path jar) {
        PluginDirectory.Descriptor d = PluginDirectory.describe(jar);
        if (!d.bundle()) {
            throw invalid("The upload is not an OSGi bundle: a jar whose manifest names its Bundle-SymbolicName.");
        }
        if (!d.symbolicName().matches("[A-Za-z0-9_.-]{1,200}")) {
            throw invalid("The bundle's symbolic name '" + d.symbolicName() + "' is not usable as a plugin name.");
        }
        if ("off".equals(settings.signature())) {
            return d;
        }
        String refusal = signatureProblem(jar);
        if (refusal != null) {
            if ("require".equals(settings.signature())) {
                throw invalid("Plugin " + d.symbolicName() + " is refused: " + refusal + " (plugins.signature = require).");
            }
            LOG.warn("Plugin installed despite its signature plugin={}: {} (plugins.signature = warn)", d.symbolicName(), refusal);
        }
        return d;
    }

    /** Null when every entry is signed, unchanged, by a trusted key; otherwise why not. */
    String signatureProblem(Path file) {
        if (trusted.isEmpty()) {
            return "no signer is trusted yet (plugins.trust names none)";
        }
        boolean trustedSigner = false;
        try (JarFile jar = new JarFile(file.toFile(), true)) {
            byte[] buffer = new byte[8192];
            for (Enumeration<JarEntry> entries = jar.entries(); entries.hasMoreElements(); ) {
                JarEntry entry = entries.nextElement();
                try (InputStream in = jar.getInputStream(entry)) {
                    while (in.read(buffer) > 0) {
                        // reading to the end makes the JDK check the entry's digest
                    }
                }
                if (entry.isDirectory() || entry.getName().toUpperCase(java.util.Locale.ROOT).startsWith("META-INF/")) {
                    continue;
                }
                CodeSigner[] signers = entry.getCodeSigners();
                if (signers == null) {
                    return "it is not signed" + (trustedSigner ? " throughout (" + entry.getName() + " is not)" : "");
                }
                boolean byTrusted = false;
                for (CodeSigner signer : signers) {
                    for (var cert : signer.getSignerCertPath().getCertificates()) {
                        byTrusted |= trusted.contains(cert);
                    }
                }
                if (!byTrusted) {
                    return "it is signed by a key this panel does not trust";
                }
                trustedSigner = true;
            }
        } catch (SecurityException e) {
            return "its signature does not match its content (" + e.getMessage() + ")";
        } catch (IOException e) {
            return "it cannot be read as a jar (" + e.getMessage() + ")";
        }
        return trustedSigner ? null : "it is not signed";
    }

    /** Waits until the plugin of that version runs or says why it cannot. */
    private PluginDirectory.Entry awaitSettled(String name, String version) throws IOException {
        long deadline = System.nanoTime() + START_WAIT.toNanos();
        PluginDirectory.Entry entry = null;
        while (System.nanoTime() < deadline) {
            entry = directory.find(name).orElse(null);
            if (entry != null && entry.bundle() != null && sameVersion(entry.bundle(), version)) {
                int state = entry.bundle().getState();
                if (state == Bundle.ACTIVE || directory.failure(entry.bundle().getBundleId()) != null) {
                    return entry;
                }
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (entry == null) {
            throw new ProblemException(500, "install-failed", "Install failed", "Plugin " + name + " did not appear in plugins/.", List.of());
        }
        return entry;
    }

    private static boolean sameVersion(Bundle bundle, String version) {
        return version == null || bundle.getVersion().toString().equals(org.osgi.framework.Version.parseVersion(version).toString());
    }

    /** Why an entry is not running that version, or null when it is. */
    private String problem(PluginDirectory.Entry entry, String version) {
        if (entry.bundle() == null || !sameVersion(entry.bundle(), version)) {
            return "it was not installed in time";
        }
        if (entry.bundle().getState() == Bundle.ACTIVE) {
            try {
                Thread.sleep(300); // its components activate just after the bundle started
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return health.apply(entry);
        }
        String failure = directory.failure(entry.bundle().getBundleId());
        return failure != null ? failure : "it did not start";
    }

    private static ProblemException invalid(String detail) {
        return new ProblemException(422, "unprocessable", "Unprocessable request", detail, List.of(new Problem.FieldError("body", detail)));
    }
}
