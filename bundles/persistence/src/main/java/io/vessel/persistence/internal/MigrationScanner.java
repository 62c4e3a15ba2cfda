package io.vessel.persistence.internal;

import io.vessel.persistence.api.PersistenceContribution;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Enumeration;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.osgi.framework.Bundle;
import org.osgi.framework.FrameworkUtil;

/**
 * Finds a contribution's migration scripts: inside its OSGi bundle when running in the framework, on the class
 * path otherwise (unit and database tests run without OSGi).
 */
final class MigrationScanner {

    private MigrationScanner() {
    }

    static List<MigrationScript> scan(PersistenceContribution contribution) {
        String location = trimSlashes(contribution.migrationLocation());
        Class<?> anchor = contribution.getClass();
        List<URL> urls = new ArrayList<>();
        Bundle bundle = FrameworkUtil.getBundle(anchor);
        if (bundle != null) {
            Enumeration<URL> found = bundle.findEntries(location, "V*.sql", false);
            if (found != null) {
                urls.addAll(Collections.list(found));
            }
        } else {
            urls.addAll(scanClassPath(anchor.getClassLoader(), location));
        }
        List<MigrationScript> scripts = new ArrayList<>();
        for (URL url : urls) {
            String path = url.getPath();
            String name = path.substring(path.lastIndexOf('/') + 1);
            if (MigrationScript.isMigrationName(name)) {
                scripts.add(MigrationScript.parse(contribution.module(), name, read(url)));
            }
        }
        scripts.sort(Comparator.comparingInt(MigrationScript::version));
        for (int i = 1; i < scripts.size(); i++) {
            if (scripts.get(i).version() == scripts.get(i - 1).version()) {
                throw new DatabaseUnavailableException("module '" + contribution.module()
                        + "' has two migrations with version " + scripts.get(i).version());
            }
        }
        return scripts;
    }

    private static List<URL> scanClassPath(ClassLoader loader, String location) {
        URL dir = loader.getResource(location);
        if (dir == null) {
            return List.of();
        }
        try {
            if ("file".equals(dir.getProtocol())) {
                try (Stream<Path> files = Files.list(Path.of(dir.toURI()))) {
                    List<URL> urls = new ArrayList<>();
                    for (Path p : (Iterable<Path>) files::iterator) {
                        urls.add(p.toUri().toURL());
                    }
                    return urls;
                }
            }
            if ("jar".equals(dir.getProtocol())) {
                JarURLConnection connection = (JarURLConnection) dir.openConnection();
                connection.setUseCaches(false);
                try (JarFile jar = connection.getJarFile()) {
                    List<URL> urls = new ArrayList<>();
                    for (JarEntry entry : Collections.list(jar.entries())) {
                        String name = entry.getName();
                        if (name.startsWith(location + "/") && name.indexOf('/', location.length() + 1) < 0 && name.endsWith(".sql")) {
                            urls.add(loader.getResource(name));
                        }
                    }
                    return urls;
                }
            }
        } catch (IOException | URISyntaxException e) {
            throw new DatabaseUnavailableException("cannot list migrations in " + dir + ": " + e.getMessage(), e);
        }
        return List.of();
    }

    private static String read(URL url) {
        try (InputStream in = url.openStream()) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read migration " + url, e);
        }
    }

    private static String trimSlashes(String s) {
        String r = s;
        while (r.startsWith("/")) {
            r = r.substring(1);
        }
        while (r.endsWith("/")) {
            r = r.substring(0, r.length() - 1);
        }
        return r;
    }
}
