package io.vessel.kernel.internal.template;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a template boots as PID 1, found in its file system when it is built: Vessel's own init, systemd (and
 * which version, which decides whether a cgroup v1 host can run it), or another program.
 *
 * @param kind           the kind of init
 * @param systemdVersion systemd's version (252 for Debian 12), for systemd only; null when it cannot be told
 */
public record InitSystem(Kind kind, Integer systemdVersion) {

    public enum Kind { VESSEL, SYSTEMD, OTHER }

    /** The first systemd that refuses to boot on cgroup v1 by default (256 deprecates it, 258 removes it). */
    public static final int FIRST_SYSTEMD_WITHOUT_V1 = 256;

    /** systemd's halt request (SIGRTMIN+3 with glibc's SIGRTMIN of 34); SIGTERM makes it re-execute itself. */
    public static final String SYSTEMD_STOP_SIGNAL = "37";

    public static final InitSystem VESSEL = new InitSystem(Kind.VESSEL, null);
    public static final InitSystem OTHER = new InitSystem(Kind.OTHER, null);

    /** systemd's binary names its own libraries: {@code libsystemd-shared-252.so}. */
    private static final Pattern LIBRARY = Pattern.compile("libsystemd-(?:shared|core)-(\\d{3})\\.so");
    private static final int MAX_BINARY_BYTES = 32 << 20;

    /** The init named {@code init} in the file system at {@code root} (a template being built). */
    public static InitSystem of(Path root, String init) {
        if (VesselInit.PATH.equals(init)) {
            return VESSEL;
        }
        try {
            Path program = InRoot.resolve(root, init.substring(1), false);
            if (!Files.isRegularFile(program, LinkOption.NOFOLLOW_LINKS) || !program.getFileName().toString().equals("systemd")) {
                return OTHER;
            }
            return new InitSystem(Kind.SYSTEMD, version(program));
        } catch (IOException e) {
            return OTHER;
        }
    }

    /** The version in the binary's library names; null when there is none. */
    static Integer version(Path program) throws IOException {
        if (Files.size(program) > MAX_BINARY_BYTES) {
            return null;
        }
        byte[] content;
        try (InputStream in = Files.newInputStream(program)) {
            content = in.readNBytes(MAX_BINARY_BYTES);
        }
        Matcher m = LIBRARY.matcher(new String(content, StandardCharsets.ISO_8859_1));
        return m.find() ? Integer.valueOf(m.group(1)) : null;
    }

    /** The name stored and shown: {@code vessel}, {@code systemd} or {@code other}. */
    public String label() {
        return kind.name().toLowerCase(Locale.ROOT);
    }

    public static InitSystem parse(String label, Integer systemdVersion) {
        if (label == null) {
            return null;
        }
        return new InitSystem(Kind.valueOf(label.toUpperCase(Locale.ROOT)), systemdVersion);
    }

    /** Why a host with cgroup v1 controllers cannot boot this init; null when it can. */
    public String refusedOnCgroupV1() {
        if (kind == Kind.SYSTEMD && systemdVersion != null && systemdVersion >= FIRST_SYSTEMD_WITHOUT_V1) {
            return "it boots systemd " + systemdVersion + ", which needs a node with cgroup v2 only (systemd "
                    + FIRST_SYSTEMD_WITHOUT_V1 + " and later refuse cgroup v1); this node has cgroup v1 controllers";
        }
        return null;
    }
}
