package io.vessel.plugins.internal;

import io.vessel.web.api.ProblemException;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import javax.xml.stream.XMLStreamException;
import org.apache.felix.utils.repository.StaxParser;
import org.osgi.framework.Version;
import org.osgi.resource.Capability;
import org.osgi.resource.Requirement;
import org.osgi.resource.Resource;

/**
 * The plugin catalogue: an OSGi repository index (R5 XML, as {@code bnd index} or bnd's indexer plugin writes it) at
 * the file or URL {@code plugins.catalogue} names, read afresh each time it is asked (it is small, and the provider
 * may publish a new one at any time). Parsed by Felix's own R5 parser; each artifact is fetched relative to the index
 * and must match the SHA-256 and size the index gives for it.
 *
 * <p>Whoever can change the index decides what runs as root here, so it is read only from a local file, over HTTPS,
 * or over plain HTTP from this machine itself.
 */
final class PluginCatalogue {

    private static final long MAX_INDEX_BYTES = 16L * 1024 * 1024;
    private static final Duration TIMEOUT = Duration.ofSeconds(15);

    static final String NOT_CONFIGURED = "This panel has no plugin catalogue: set plugins.catalogue in vessel.conf to the file or HTTPS"
            + " address of an OSGi repository index (index.xml).";
    static final String IDENTITY = "osgi.identity";
    static final String CONTENT = "osgi.content";

    /** One installable artifact of the index. {@code plugin} is false for a library (it does not use the panel's API). */
    record Item(String name, Version version, String description, boolean plugin, long size, URI url, String sha256, Resource resource) {
    }

    /** The index as read: its name and what it offers, newest version of each name first. */
    record Index(String name, URI source, List<Item> items) {

        Optional<Item> newest(String name, String version) {
            return items.stream().filter(i -> i.name().equals(name))
                    .filter(i -> version == null || version.isBlank() || i.version().equals(Version.parseVersion(version)))
                    .findFirst();
        }
    }

    private final String location;
    private final long maxArtifactBytes;
    /**
     * Made at the first fetch, not with the catalogue: building an HTTP client loads the JDK's default TLS context
     * and with it its ~150 CA certificates, which cost the start about a fifth of a second (issue 14).
     */
    private HttpClient http;

    private synchronized HttpClient http() {
        if (http == null) {
            http = HttpClient.newBuilder().connectTimeout(TIMEOUT).followRedirects(HttpClient.Redirect.NEVER).build();
        }
        return http;
    }

    /** @param location {@code plugins.catalogue}: a path, a {@code file:} URI or an HTTPS URL; blank for none */
    PluginCatalogue(String location, long maxArtifactBytes) {
        this.location = location == null ? "" : location.strip();
        this.maxArtifactBytes = maxArtifactBytes;
    }

    boolean configured() {
        return !location.isEmpty();
    }

    String location() {
        return location;
    }

    /** Reads and parses the index; a problem that says which index and why when it cannot. */
    Index read() {
        if (!configured()) {
            throw new ProblemException(404, "not-found", "No catalogue", NOT_CONFIGURED);
        }
        URI source = source();
        try (InputStream in = open(source, MAX_INDEX_BYTES)) {
            StaxParser.XmlRepository repository = StaxParser.parse(source, in);
            List<Item> items = new ArrayList<>();
            for (Resource resource : repository.resources) {
                item(source, resource).ifPresent(items::add);
            }
            items.sort(Comparator.comparing(Item::name).thenComparing(Item::version, Comparator.reverseOrder()));
            return new Index(repository.name, source, List.copyOf(items));
        } catch (IOException | XMLStreamException | RuntimeException e) {
            if (e instanceof ProblemException p) {
                throw p;
            }
            throw unreadable("the catalogue " + source + " cannot be read: " + PluginDirectory.describe(e));
        }
    }

    private URI source() {
        try {
            if (location.matches("(?i)(https?|file):.*")) {
                URI uri = URI.create(location);
                checkTransport(uri);
                return uri;
            }
            return Path.of(location).toAbsolutePath().normalize().toUri();
        } catch (IllegalArgumentException e) {
            throw unreadable("plugins.catalogue is neither a path nor a URL: " + location);
        }
    }

    /** An index or artifact over plain HTTP could be changed on the way; only this machine's own is taken. */
    private static void checkTransport(URI uri) {
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (scheme.equals("https") || scheme.equals("file")) {
            return;
        }
        if (scheme.equals("http") && uri.getHost() != null) {
            try {
                if (InetAddress.getByName(uri.getHost()).isLoopbackAddress()) {
                    return;
                }
            } catch (IOException e) {
                // not resolvable: refused below
            }
        }
        throw unreadable(uri + " is refused: the catalogue and its artifacts are read from a file, over HTTPS, or over HTTP from this"
                + " machine only, since whoever can change them decides what runs as root here");
    }

    private Optional<Item> item(URI source, Resource resource) {
        Map<String, Object> identity = first(resource, IDENTITY);
        Map<String, Object> content = first(resource, CONTENT);
        if (identity == null || content == null || !"osgi.bundle".equals(String.valueOf(identity.getOrDefault("type", "osgi.bundle")))) {
            return Optional.empty();
        }
        Object url = content.get("url");
        Object sha = content.get(CONTENT);
        if (url == null || sha == null) {
            return Optional.empty();
        }
        Object description = identity.get("description");
        Object size = content.get("size");
        return Optional.of(new Item(String.valueOf(identity.get(IDENTITY)), Version.parseVersion(String.valueOf(identity.get("version"))),
                description == null ? null : String.valueOf(description).replaceAll("\\s+", " ").strip(), usesPanelApi(resource),
                size instanceof Number n ? n.longValue() : -1, source.resolve(String.valueOf(url)), String.valueOf(sha).toLowerCase(Locale.ROOT),
                resource));
    }

    private static Map<String, Object> first(Resource resource, String namespace) {
        List<Capability> caps = resource.getCapabilities(namespace);
        return caps.isEmpty() ? null : caps.get(0).getAttributes();
    }

    /** A plugin imports the panel's API ({@code io.vessel.*}); a library does not. */
    static boolean usesPanelApi(Resource resource) {
        for (Requirement r : resource.getRequirements("osgi.wiring.package")) {
            String filter = r.getDirectives().get("filter");
            if (filter != null && filter.contains("osgi.wiring.package=io.vessel.")) {
                return true;
            }
        }
        return false;
    }

    /**
     * Fetches an item's artifact into {@code target}, checking its size and SHA-256 against the index while it
     * streams; a mismatch leaves nothing behind and says what differed.
     */
    void download(Item item, Path target) throws IOException {
        checkTransport(item.url());
        long limit = item.size() >= 0 ? Math.min(item.size(), maxArtifactBytes) : maxArtifactBytes;
        MessageDigest sha256;
        try {
            sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        long written = 0;
        try (InputStream in = open(item.url(), limit + 1); var out = Files.newOutputStream(target)) {
            byte[] buffer = new byte[65536];
            for (int n; (n = in.read(buffer)) > 0; ) {
                written += n;
                if (written > limit) {
                    throw mismatch(item, "it is larger than the " + (item.size() >= 0 ? item.size() + " bytes the catalogue gives"
                            : "plugins.max.size allows"));
                }
                sha256.update(buffer, 0, n);
                out.write(buffer, 0, n);
            }
            if (item.size() >= 0 && written != item.size()) {
                throw mismatch(item, "it has " + written + " bytes, the catalogue gives " + item.size());
            }
            String actual = HexFormat.of().formatHex(sha256.digest());
            if (!actual.equals(item.sha256())) {
                throw mismatch(item, "its SHA-256 is " + actual + ", the catalogue gives " + item.sha256());
            }
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(target);
            throw e;
        }
    }

    private InputStream open(URI uri, long maxBytes) throws IOException {
        if ("file".equalsIgnoreCase(uri.getScheme())) {
            return Files.newInputStream(Path.of(uri));
        }
        try {
            HttpResponse<InputStream> response = http().send(HttpRequest.newBuilder(uri).timeout(TIMEOUT).GET().build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            if (response.statusCode() != 200) {
                response.body().close();
                throw new IOException(uri + " answered " + response.statusCode());
            }
            long length = response.headers().firstValueAsLong("Content-Length").orElse(-1);
            if (length > maxBytes) {
                response.body().close();
                throw new IOException(uri + " is larger than " + maxBytes + " bytes");
            }
            return response.body();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while reading " + uri, e);
        }
    }

    private static ProblemException mismatch(Item item, String what) {
        return new ProblemException(422, "unprocessable", "Artifact does not match the catalogue", "The artifact of " + item.name() + " "
                + item.version() + " at " + item.url() + " does not match the catalogue: " + what + ". Nothing was installed.");
    }

    private static ProblemException unreadable(String detail) {
        return new ProblemException(502, "bad-gateway", "Catalogue unavailable", Character.toUpperCase(detail.charAt(0)) + detail.substring(1) + ".");
    }
}
