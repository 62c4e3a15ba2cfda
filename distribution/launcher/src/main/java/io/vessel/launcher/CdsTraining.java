package io.vessel.launcher;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Makes {@code lib/vessel.jsa}, the class-data-sharing archive {@code bin/vessel} starts with: a training start of
 * the distribution with {@code -XX:ArchiveClassesAtExit}, run at build time (never at every stop: a dump takes
 * seconds and would race a crash). The archive holds every class the panel loaded, parsed and verified, also
 * those of the bundles (the JVM checks each class's bytes before using its archived copy, so an updated bundle
 * just loads from its jar).
 *
 * <p>The training start must not touch the build machine: it runs in new mount, network and PID namespaces
 * ({@code unshare}), with its own {@code /run}; its bridge, firewall tables, pool mount and helpers (LXCFS,
 * dnsmasq) vanish with them. It needs root, like the panel; elsewhere there is simply no archive.
 *
 * <p>{@code java io.vessel.launcher.CdsTraining <distribution directory> [<archive>]}: the archive goes to {@code
 * lib/vessel.jsa} of the distribution, or where the second argument says (the Debian package makes it in {@code
 * /var/cache/vessel} when it is installed and when the JDK changes, and ships a link to it in {@code lib/}: an archive
 * names the paths it was made at, so one made at build time is of no use at {@code /usr/share/vessel}).
 */
public final class CdsTraining {

    private static final Duration READY_TIMEOUT = Duration.ofSeconds(120);

    private CdsTraining() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 2 && args[0].startsWith("--inside")) {
            System.exit(inside(Path.of(args[1]), args[0].equals("--inside-build")));
        }
        Path home = Path.of(args[0]).toAbsolutePath().normalize();
        Path archive = args.length > 1 ? Path.of(args[1]).toAbsolutePath() : home.resolve("lib/vessel.jsa");
        Files.deleteIfExists(archive);
        Files.deleteIfExists(stamp(archive));
        // at build time (the archive in the distribution itself) the training start also makes the distribution's empty
        // database, so it migrates a new database as a first start without one does; the Debian package's postinst,
        // which makes the archive elsewhere, keeps the one the package ships
        boolean buildTime = args.length == 1;
        Path template = EmptyDatabaseTemplate.file(home);
        if (buildTime) {
            Files.deleteIfExists(template);
            Files.deleteIfExists(EmptyDatabaseTemplate.stamp(template));
        }
        if (!isRoot() || !Files.isExecutable(Path.of("/usr/bin/unshare"))) {
            System.out.println("cds: no training start (needs root and unshare); the panel starts without a class-data archive");
            return;
        }
        Path work = Files.createTempDirectory("vessel-cds-");
        try {
            long started = System.nanoTime();
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Process p = new ProcessBuilder("/usr/bin/unshare", "--mount", "--net", "--pid", "--fork", "--mount-proc", "--propagation", "private",
                    java, "-cp", System.getProperty("java.class.path"), CdsTraining.class.getName(), buildTime ? "--inside-build" : "--inside",
                    work.toString())
                    .directory(home.toFile()).inheritIO().start();
            if (!p.waitFor(READY_TIMEOUT.toSeconds() + 60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("the training start did not finish");
            }
            Path made = work.resolve("vessel.jsa");
            if (p.exitValue() != 0 || !Files.isRegularFile(made) || Files.size(made) == 0) {
                System.out.println("cds: the training start failed (exit " + p.exitValue() + "); no class-data archive, see " + work.resolve("logs"));
                return;
            }
            Files.move(made, archive, StandardCopyOption.REPLACE_EXISTING);
            Files.move(stamp(made), stamp(archive), StandardCopyOption.REPLACE_EXISTING);
            Path madeTemplate = work.resolve(EmptyDatabaseTemplate.FILE_NAME);
            if (buildTime && Files.isRegularFile(madeTemplate)) {
                Files.move(madeTemplate, template, StandardCopyOption.REPLACE_EXISTING);
                EmptyDatabaseTemplate.stampFor(home, template);
                System.out.printf("cds: %s (%d KiB), the empty database first starts copy%n", template, Files.size(template) >> 10);
            }
            System.out.printf("cds: %s (%d MiB) from a training start of %d s%n", archive, Files.size(archive) >> 20,
                    TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started));
            deleteTree(work);
        } catch (IOException | RuntimeException e) {
            System.out.println("cds: no class-data archive: " + e.getMessage());
        }
    }

    private static Path stamp(Path archive) {
        return archive.resolveSibling(archive.getFileName() + ".stamp");
    }

    /** In the new namespaces (PID 1 of its own): a start, a few requests a user would make, a clean stop. */
    private static int inside(Path work, boolean buildTime) throws Exception {
        run("mount", "-t", "tmpfs", "-o", "mode=0755", "tmpfs", "/run");
        run("ip", "link", "set", "lo", "up");
        byte[] random = new byte[12];
        new SecureRandom().nextBytes(random);
        String password = "Cds-" + HexFormat.of().formatHex(random);
        ProcessBuilder pb = new ProcessBuilder("bin/vessel").redirectErrorStream(true)
                .redirectOutput(work.resolve("panel.out").toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("VESSEL_"));
        pb.environment().put("VESSEL_DATA_DIR", work.resolve("data").toString());
        pb.environment().put("VESSEL_LOG_DIR", work.resolve("logs").toString());
        pb.environment().put("VESSEL_PLUGINS_DIR", work.resolve("plugins").toString());
        pb.environment().put("VESSEL_ADMIN_PASSWORD", password);
        pb.environment().put("VESSEL_HTTP_PORT", "8080");
        pb.environment().put("VESSEL_HTTPS_PORT", "8443");
        pb.environment().put("VESSEL_CDS_TRAINING", work.resolve("vessel.jsa").toString());
        if (buildTime) {
            pb.environment().put(PanelFramework.TEMPLATE_OUT_ENV, work.resolve(EmptyDatabaseTemplate.FILE_NAME).toString());
        }
        Process panel = pb.start();
        try {
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
            awaitReady(http, panel);
            exercise(http, password);
        } finally {
            panel.destroy(); // SIGTERM: the panel stops its bundles, then the JVM writes the archive
            if (!panel.waitFor(60, TimeUnit.SECONDS)) {
                panel.destroyForcibly();
                return 1;
            }
        }
        return panel.exitValue();
    }

    private static void awaitReady(HttpClient http, Process panel) throws Exception {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!panel.isAlive()) {
                throw new IllegalStateException("the panel exited with " + panel.exitValue());
            }
            try {
                if (get(http, "/api/v1/health", null).statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("the panel was not ready within " + READY_TIMEOUT.toSeconds() + " s");
    }

    /** What a first visit does: the portal and admin pages, a login, the usual lists. */
    private static void exercise(HttpClient http, String password) throws Exception {
        HttpResponse<String> login = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:8080/api/v1/auth/login"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"username\":\"admin\",\"password\":\"" + password + "\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        String cookie = login.headers().firstValue("Set-Cookie").map(c -> c.split(";", 2)[0]).orElse(null);
        for (String path : List.of("/portal/", "/admin/", "/api/v1/openapi.json", "/api/v1/me", "/api/v1/ves", "/api/v1/templates",
                "/api/v1/ip-pools", "/api/v1/operations", "/api/v1/accounts", "/api/v1/tenants", "/api/v1/health", "/api/v1/nope")) {
            get(http, path, cookie);
        }
    }

    private static HttpResponse<String> get(HttpClient http, String path, String cookie) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:8080" + path)).timeout(Duration.ofSeconds(10));
        if (cookie != null) {
            request.header("Cookie", cookie);
        }
        return http.send(request.GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).inheritIO().start();
        if (p.waitFor() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed");
        }
    }

    private static boolean isRoot() {
        try {
            return Files.readAllLines(Path.of("/proc/self/status")).stream().filter(l -> l.startsWith("Uid:")).findFirst()
                    .map(l -> l.split("\\s+")[1].equals("0")).orElse(false);
        } catch (IOException e) {
            return false;
        }
    }

    /** The work directory holds no mount any more: they all went with the training's mount namespace. */
    private static void deleteTree(Path dir) throws IOException {
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
