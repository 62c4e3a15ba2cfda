package io.vessel.kernel.internal.template;

import io.vessel.kernel.api.Progress;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Builds a Debian root file system with the host's {@code debootstrap}, reporting progress from its output.
 * Downloaded packages are kept in a cache directory, so building the template again (a new version) is quick.
 */
public final class Debootstrap {

    public static final List<String> VARIANTS = List.of("minbase", "buildd", "default");
    private static final Pattern PACKAGE = Pattern.compile("[a-z0-9][a-z0-9+.-]{0,99}");
    private static final Pattern PHASE = Pattern.compile("I: (Retrieving|Validating|Extracting|Unpacking|Configuring) (\\S+)");
    private static final Duration TIMEOUT = Duration.ofHours(1);

    private final Path scripts;
    private final Path cacheDir;

    public Debootstrap(Path scripts, Path cacheDir) {
        this.scripts = scripts;
        this.cacheDir = cacheDir;
    }

    public static Debootstrap onThisHost(Path cacheDir) {
        return new Debootstrap(Path.of("/usr/share/debootstrap/scripts"), cacheDir);
    }

    public boolean installed() {
        return Files.isDirectory(scripts) && executable().isPresent();
    }

    /** Suites debootstrap knows on this host. */
    public List<String> suites() throws IOException {
        if (!Files.isDirectory(scripts)) {
            return List.of();
        }
        try (var files = Files.list(scripts)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.matches("[a-z][a-z0-9-]*")).sorted().toList();
        }
    }

    /**
     * The Debian mirror this host's apt uses (deb822 {@code .sources} files or {@code sources.list}), skipping
     * security and update suites: the natural default, and the one mirror a locked-down host is known to reach.
     */
    public static Optional<String> hostMirror(Path aptDir) {
        List<Path> files = new ArrayList<>();
        try {
            Path list = aptDir.resolve("sources.list");
            if (Files.isRegularFile(list)) {
                files.add(list);
            }
            Path dir = aptDir.resolve("sources.list.d");
            if (Files.isDirectory(dir)) {
                try (var entries = Files.list(dir)) {
                    entries.filter(p -> p.toString().endsWith(".sources") || p.toString().endsWith(".list")).sorted().forEach(files::add);
                }
            }
            for (Path file : files) {
                String uri = null;
                for (String raw : Files.readAllLines(file)) {
                    String line = raw.strip();
                    if (line.startsWith("URIs:")) {
                        uri = line.substring(5).strip().split("\\s+")[0];
                    } else if (line.startsWith("Suites:") && uri != null && !line.contains("-security")) {
                        return Optional.of(uri);
                    } else if (line.startsWith("deb ")) {
                        String[] parts = line.replaceAll("\\[[^\\]]*\\]", "").split("\\s+");
                        if (parts.length >= 3 && !parts[2].contains("-security") && !parts[2].contains("-updates")) {
                            return Optional.of(parts[1]);
                        }
                    } else if (line.isEmpty()) {
                        uri = null;
                    }
                }
            }
        } catch (IOException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }

    public static boolean validPackage(String name) {
        return name != null && PACKAGE.matcher(name).matches();
    }

    /** Runs debootstrap into the empty directory {@code target}. */
    public void run(Path target, String suite, String variant, String mirror, List<String> packages, Progress progress)
            throws IOException {
        Files.createDirectories(cacheDir);
        List<String> command = new ArrayList<>(List.of(executable().orElseThrow(() ->
                new IOException("debootstrap is not installed (Debian package debootstrap)")).toString()));
        if (!"default".equals(variant)) {
            command.add("--variant=" + variant);
        }
        command.add("--cache-dir=" + cacheDir.toAbsolutePath());
        if (!packages.isEmpty()) {
            command.add("--include=" + String.join(",", packages));
        }
        command.addAll(List.of(suite, target.toString(), mirror));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().put("LC_ALL", "C");
        pb.environment().put("DEBIAN_FRONTEND", "noninteractive");
        Process process = pb.start();
        try {
            follow(process, progress);
        } finally {
            release(target);
        }
    }

    private void follow(Process process, Progress progress) throws IOException {
        Deque<String> tail = new ArrayDeque<>();
        ProgressModel model = new ProgressModel(progress);
        try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null) {
                model.line(line);
                tail.addLast(line);
                if (tail.size() > 15) {
                    tail.removeFirst();
                }
            }
        }
        try {
            if (!process.waitFor(TIMEOUT.toMinutes(), TimeUnit.MINUTES)) {
                process.destroyForcibly();
                throw new IOException("debootstrap did not finish within " + TIMEOUT.toMinutes() + " minutes");
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        if (process.exitValue() != 0) {
            throw new IOException("debootstrap failed (exit " + process.exitValue() + "): " + lastErrors(tail));
        }
    }

    /**
     * What a build may leave behind on the host: debootstrap mounts {@code /proc} and {@code /sys} in the target and
     * unmounts them at its exit, silently giving up when a program a package's scripts started in the chroot still
     * holds them (seen with systemd and D-Bus: now and then {@code proc} stayed mounted in the template, where it
     * blocked deleting it and unmounting the pool). Such programs are killed — they run as the host's root — and
     * every mount below the target is detached.
     */
    static void release(Path target) throws IOException {
        Path root = target.toRealPath();
        try (var processes = Files.list(Path.of("/proc"))) {
            for (Path proc : processes.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
                try {
                    Path theirs = Files.readSymbolicLink(proc.resolve("root"));
                    if (theirs.startsWith(root)) {
                        long pid = Long.parseLong(proc.getFileName().toString());
                        LOG.warn("Killing a program left running in a template build pid={} root={}", pid, theirs);
                        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
                    }
                } catch (IOException | SecurityException gone) {
                    // ended meanwhile, or a kernel thread
                }
            }
        }
        for (Path mount : io.vessel.kernel.internal.linux.Mounts.detachBelow(root)) {
            LOG.warn("Detached a mount left in a template build mount={}", mount);
        }
    }

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Debootstrap.class);

    private static String lastErrors(Deque<String> tail) {
        List<String> errors = tail.stream().filter(l -> l.startsWith("E:") || l.startsWith("W:")).toList();
        String text = String.join(" ", errors.isEmpty() ? List.copyOf(tail) : errors).strip();
        return text.length() > 1500 ? text.substring(text.length() - 1500) : text;
    }

    private Optional<Path> executable() {
        for (String dir : List.of("/usr/sbin", "/sbin", "/usr/bin", "/bin")) {
            Path p = Path.of(dir, "debootstrap");
            if (Files.isExecutable(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /**
     * Turns debootstrap's "I: Retrieving libc6 2.36" lines into a percentage. Downloads (retrieve + validate)
     * take 5–45 %, extracting 45–55 %, unpacking 55–75 %, configuring 75–95 %. The number of packages is only
     * known once the downloads are done; until then about 100 is assumed (a minbase system has 80–90).
     */
    static final class ProgressModel {
        private final Progress progress;
        private int expected = 100;
        private int validated;
        private int extracted;
        private int unpacked;
        private int configured;
        private int last = -1;

        ProgressModel(Progress progress) {
            this.progress = progress;
        }

        void line(String line) {
            Matcher m = PHASE.matcher(line);
            if (!m.lookingAt()) {
                if (line.startsWith("I: Checking Release signature") || line.startsWith("I: Retrieving InRelease")) {
                    report(2, "fetching the package index");
                }
                return;
            }
            String pkg = m.group(2);
            switch (m.group(1)) {
                case "Retrieving" -> report(5 + span(validated, 40), "downloading " + pkg);
                case "Validating" -> {
                    validated++;
                    report(5 + span(validated, 40), "downloaded " + pkg);
                }
                case "Extracting" -> {
                    expected = Math.max(validated, 1);
                    extracted++;
                    report(45 + span(extracted, 10), "extracting " + pkg);
                }
                case "Unpacking" -> {
                    unpacked++;
                    report(55 + span(unpacked, 20), "unpacking " + pkg);
                }
                case "Configuring" -> {
                    configured++;
                    report(75 + span(configured, 20), "configuring " + pkg);
                }
                default -> {
                }
            }
        }

        private int span(int done, int width) {
            return Math.min(width, done * width / Math.max(expected, 1));
        }

        private void report(int percent, String message) {
            int clamped = Math.max(last, Math.min(95, percent));
            last = clamped;
            progress.update(clamped, message);
        }
    }
}
