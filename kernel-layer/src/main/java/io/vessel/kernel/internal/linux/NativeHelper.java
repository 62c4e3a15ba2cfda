package io.vessel.kernel.internal.linux;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;

/** The small native helpers this bundle carries (kernel-layer/src/main/c, built for the host's architecture). */
public final class NativeHelper {

    private NativeHelper() {
    }

    /**
     * Unpacks helper {@code name} into {@code binDir} under a name that includes its digest: a helper of an earlier
     * version still running keeps its file. Empty when the bundle carries none for this architecture.
     */
    public static Optional<Path> unpack(Path binDir, String name) throws IOException {
        byte[] content;
        try (InputStream in = NativeHelper.class.getResourceAsStream("/native/" + System.getProperty("os.arch") + "/" + name)) {
            if (in == null) {
                return Optional.empty();
            }
            content = in.readAllBytes();
        }
        Files.createDirectories(binDir);
        Path target = binDir.resolve(name + "-" + digest(content));
        if (!Files.exists(target) || Files.size(target) != content.length) {
            Path partial = Files.createTempFile(binDir, name, ".new");
            Files.write(partial, content);
            Files.setPosixFilePermissions(partial, PosixFilePermissions.fromString("rwxr-xr-x"));
            Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }
        return Optional.of(target);
    }

    private static String digest(byte[] content) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content), 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
