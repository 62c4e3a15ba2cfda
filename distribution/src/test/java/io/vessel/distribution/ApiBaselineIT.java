package io.vessel.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import aQute.bnd.differ.Baseline;
import aQute.bnd.differ.DiffPluginImpl;
import aQute.bnd.osgi.Jar;
import aQute.bnd.osgi.Processor;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The API packages plugins build against keep their promises: each exported package of the panel's bundles is
 * compared with its released form in {@code api-baseline/} by bnd's baseline, which fails when a package changed
 * more than its version says (a removed method needs a major bump, an added one a minor bump). The API is not
 * published to a repository, so the released forms live in the repository: after a release,
 * {@code mvn verify -pl distribution -Dit.test=ApiBaselineIT -Dvessel.api.baseline.record=true} writes the jars
 * again (only the exported packages and the manifest).
 */
class ApiBaselineIT {

    private static final Path BASELINE = Path.of(System.getProperty("vessel.api.baseline", "../api-baseline"));
    private static final Path BUNDLES = PanelProcess.DIST.resolve("bundle");
    private static final long FIXED_TIME = 1_767_225_600_000L; // 2026-01-01

    @Test
    void everyExportedApiPackageIsVersionedAsItChanged(@org.junit.jupiter.api.io.TempDir Path work) throws Exception {
        List<Path> ours = ourBundles();
        assertFalse(ours.isEmpty(), "no vessel bundles in " + BUNDLES);
        if (Boolean.getBoolean("vessel.api.baseline.record")) {
            Files.createDirectories(BASELINE);
            for (Path bundle : ours) {
                slim(bundle, BASELINE.resolve(artifact(bundle) + ".jar"));
            }
            return;
        }
        List<String> problems = new ArrayList<>();
        for (Path bundle : ours) {
            Path released = BASELINE.resolve(artifact(bundle) + ".jar");
            if (Files.exists(released)) {
                // compared in the same slim form: bnd then reads our API classes, not every embedded library
                problems.addAll(mismatches(slim(bundle, work.resolve(artifact(bundle) + ".jar")), released));
            }
        }
        assertTrue(problems.isEmpty(), "API packages changed beyond their versions (bump them in package-info.java):\n"
                + String.join("\n", problems));
    }

    /** The check bites: an API whose class went away without a major version bump is reported. */
    @Test
    void aRemovedClassWithoutAMajorBumpIsCaught(@org.junit.jupiter.api.io.TempDir Path work) throws Exception {
        Path api = ourBundles().stream().filter(p -> artifact(p).equals("vessel-api")).findFirst().orElseThrow();
        Path older = slim(api, work.resolve("older.jar"));
        Path newer = work.resolve("newer.jar");
        copyWithout(older, newer, "io/vessel/api/plugin/PluginCallException.class");
        List<String> problems = mismatches(newer, older);
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.get(0).matches("io\\.vessel\\.api\\.plugin: MAJOR change, version 1\\.\\d+\\.\\d+ should be at least 2\\.0\\.0.*"), problems.get(0));
    }

    private static List<String> mismatches(Path newer, Path older) throws Exception {
        List<String> out = new ArrayList<>();
        try (Processor reporter = new Processor(); Jar n = new Jar(newer.toFile()); Jar o = new Jar(older.toFile())) {
            // our API only: the persistence bundle also exports Hibernate's packages, for entity proxies
            Set<Baseline.Info> infos = new Baseline(reporter, new DiffPluginImpl()).baseline(n, o, new aQute.bnd.osgi.Instructions("io.vessel.*"));
            for (Baseline.Info info : infos) {
                if (info.mismatch) {
                    out.add(info.packageName + ": " + info.packageDiff.getDelta() + " change, version " + info.newerVersion
                            + " should be at least " + info.suggestedVersion + " (released: " + info.olderVersion + ")");
                }
            }
        }
        return out;
    }

    private static List<Path> ourBundles() throws IOException {
        try (Stream<Path> files = Files.list(BUNDLES)) {
            return files.filter(p -> p.getFileName().toString().startsWith("vessel-")).sorted().toList();
        }
    }

    /** {@code vessel-kernel-layer-0.1.0-SNAPSHOT.jar} → {@code vessel-kernel-layer}. */
    private static String artifact(Path bundle) {
        return bundle.getFileName().toString().replaceAll("-\\d+\\.\\d+\\.\\d+.*\\.jar$", "");
    }

    /** The manifest and the classes of the exported packages: all the baseline needs, and small enough to commit. */
    private static Path slim(Path bundle, Path target) throws IOException {
        try (JarFile jar = new JarFile(bundle.toFile())) {
            Manifest full = jar.getManifest();
            String exports = full.getMainAttributes().getValue("Export-Package");
            List<String> packages = new ArrayList<>();
            List<String> ourExports = new ArrayList<>();
            for (String clause : exports == null ? new String[0] : exports.split(",(?=[a-z])")) {
                String pkg = clause.split(";")[0].strip();
                if (pkg.startsWith("io.vessel.")) {
                    packages.add(pkg.replace('.', '/') + "/");
                    ourExports.add(clause);
                }
            }
            Manifest slim = new Manifest();
            Attributes main = slim.getMainAttributes();
            main.put(Attributes.Name.MANIFEST_VERSION, "1.0");
            for (String header : new String[] {"Bundle-ManifestVersion", "Bundle-SymbolicName", "Bundle-Version"}) {
                if (full.getMainAttributes().getValue(header) != null) {
                    main.putValue(header, full.getMainAttributes().getValue(header));
                }
            }
            if (!ourExports.isEmpty()) {
                main.putValue("Export-Package", String.join(",", ourExports));
            }
            // fixed times and order: recording the same API again gives the same bytes, so git shows only real changes
            try (OutputStream file = Files.newOutputStream(target); JarOutputStream out = new JarOutputStream(file)) {
                JarEntry manifest = new JarEntry(JarFile.MANIFEST_NAME);
                manifest.setTime(FIXED_TIME);
                out.putNextEntry(manifest);
                slim.write(out);
                out.closeEntry();
                List<JarEntry> entries = new ArrayList<>(java.util.Collections.list(jar.entries()));
                entries.sort(java.util.Comparator.comparing(JarEntry::getName));
                for (JarEntry entry : entries) {
                    String name = entry.getName();
                    int slash = name.lastIndexOf('/');
                    if (!entry.isDirectory() && name.endsWith(".class") && packages.contains(name.substring(0, slash + 1))) {
                        JarEntry copy = new JarEntry(name);
                        copy.setTime(FIXED_TIME);
                        out.putNextEntry(copy);
                        jar.getInputStream(entry).transferTo(out);
                        out.closeEntry();
                    }
                }
            }
        }
        return target;
    }

    private static void copyWithout(Path source, Path target, String left) throws IOException {
        try (JarFile jar = new JarFile(source.toFile()); OutputStream file = Files.newOutputStream(target);
             JarOutputStream out = new JarOutputStream(file, jar.getManifest())) {
            for (JarEntry entry : java.util.Collections.list(jar.entries())) {
                if (!entry.getName().equals(left) && !entry.getName().equals(JarFile.MANIFEST_NAME)) {
                    out.putNextEntry(new JarEntry(entry.getName()));
                    jar.getInputStream(entry).transferTo(out);
                    out.closeEntry();
                }
            }
        }
    }
}
