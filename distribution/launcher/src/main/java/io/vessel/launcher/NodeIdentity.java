package io.vessel.launcher;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.UUID;

/**
 * The node's identity, {@code data/node-id}, made before any bundle starts: the kernel layer records its node under
 * it, and the operations bundle names it as the runner of every operation, so both must read the same id from the
 * very first start (the kernel layer makes it the same way where the launcher did not run, e.g. in its own tests).
 */
final class NodeIdentity {

    private NodeIdentity() {
    }

    static void ensure(Path dataDir) throws ConfigException {
        Path file = dataDir.resolve("node-id");
        if (Files.exists(file)) {
            return;
        }
        try {
            Path tmp = dataDir.resolve("node-id.tmp");
            Files.writeString(tmp, UUID.randomUUID() + "\n");
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new ConfigException("cannot write the node identity " + file + ": " + e.getMessage());
        }
    }
}
