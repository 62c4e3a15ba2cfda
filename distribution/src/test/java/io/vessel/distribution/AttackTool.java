package io.vessel.distribution;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * The static attack helper of src/test/c/vessel-attack.c, built with the host's gcc for a test run and copied into
 * a VE's file system, as a tenant would copy in a tool of its own.
 */
final class AttackTool {

    private final Path binary;

    private AttackTool(Path binary) {
        this.binary = binary;
    }

    /** Builds the helper into {@code dir}. */
    static AttackTool build(Path dir) throws IOException {
        Path binary = dir.resolve("vessel-attack");
        String output = PanelProcess.host("gcc", "-static", "-O2", "-o", binary.toString(),
                Path.of("src/test/c/vessel-attack.c").toAbsolutePath().toString());
        if (!Files.isExecutable(binary)) {
            throw new AssertionError("building the attack helper failed (gcc and libc6-dev are needed): " + output);
        }
        return new AttackTool(binary);
    }

    /** Copies the helper to {@code /usr/local/bin/vessel-attack} of VE {@code ve} of the panel on {@code dataDir}. */
    void install(Path dataDir, int ve) throws IOException {
        Path bin = Files.createDirectories(dataDir.resolve("storage/pool/ves/" + ve + "/usr/local/bin"));
        Files.copy(binary, bin.resolve("vessel-attack"), StandardCopyOption.REPLACE_EXISTING);
        Files.setPosixFilePermissions(bin.resolve("vessel-attack"), PosixFilePermissions.fromString("rwxr-xr-x"));
    }
}
