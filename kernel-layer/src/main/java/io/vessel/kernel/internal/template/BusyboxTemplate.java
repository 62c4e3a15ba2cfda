package io.vessel.kernel.internal.template;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The built-in minimal template: the host's static busybox, a small {@code /etc}, and {@link VesselInit} as
 * {@code /sbin/init}. Its version goes up whenever what it builds changes.
 */
public final class BusyboxTemplate {

    public static final String NAME = "busybox";
    public static final int VERSION = 4;

    private BusyboxTemplate() {
    }

    /** Fills an empty root file system; all files are owned by root (uid 0) as the template's owner space. */
    public static void build(Path rootfs, Path busybox) throws IOException {
        if (!Files.isExecutable(busybox)) {
            throw new IOException("static busybox not found at " + busybox + " (Debian package busybox-static)");
        }
        for (String dir : List.of("bin", "sbin", "usr/bin", "usr/sbin", "usr/local/bin", "etc", "dev", "proc", "sys",
                "run", "var/log", "var/tmp", "home", "mnt", "root", "tmp")) {
            Files.createDirectories(rootfs.resolve(dir));
        }
        Files.setPosixFilePermissions(rootfs.resolve("tmp"), PosixFilePermissions.fromString("rwxrwxrwx"));
        Files.setPosixFilePermissions(rootfs.resolve("var/tmp"), PosixFilePermissions.fromString("rwxrwxrwx"));
        Files.setPosixFilePermissions(rootfs.resolve("root"), PosixFilePermissions.fromString("rwx------"));
        Path target = rootfs.resolve("bin/busybox");
        Files.copy(busybox, target, StandardCopyOption.REPLACE_EXISTING);
        Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rwxr-xr-x"));
        for (String applet : applets(busybox)) {
            Path link = rootfs.resolve(applet);
            if (applet.equals("sbin/init") || applet.equals("bin/busybox") || Files.exists(link, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                continue;
            }
            Files.createDirectories(link.getParent());
            Files.createSymbolicLink(link, Path.of("/bin/busybox"));
        }
        write(rootfs, "sbin/init", VesselInit.SCRIPT, "rwxr-xr-x");
        write(rootfs, "etc/passwd", "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n", "rw-r--r--");
        write(rootfs, "etc/group", "root:x:0:\nnogroup:x:65534:\n", "rw-r--r--");
        write(rootfs, "etc/shadow", "root:*:19000:0:99999:7:::\nnobody:*:19000:0:99999:7:::\n", "rw-------");
        write(rootfs, "etc/hostname", "localhost\n", "rw-r--r--");
        write(rootfs, "etc/hosts", "127.0.0.1\tlocalhost\n::1\tlocalhost\n", "rw-r--r--");
        write(rootfs, "etc/resolv.conf", "", "rw-r--r--");
        write(rootfs, "etc/os-release", "NAME=\"Busybox (Vessel)\"\nID=busybox\nVERSION_ID=" + VERSION + "\n", "rw-r--r--");
        write(rootfs, "etc/shells", "/bin/sh\n/bin/ash\n", "rw-r--r--");
        write(rootfs, "etc/profile", "export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\nexport PS1='\\u@\\h:\\w\\$ '\n", "rw-r--r--");
    }

    private static List<String> applets(Path busybox) throws IOException {
        Process p = new ProcessBuilder(busybox.toString(), "--list-full").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IOException("busybox --list-full failed: " + out);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
        return out.lines().map(String::strip).filter(l -> !l.isEmpty() && !l.contains("..")).toList();
    }

    private static void write(Path rootfs, String file, String content, String mode) throws IOException {
        Path path = rootfs.resolve(file);
        Files.writeString(path, content);
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(mode));
    }
}
