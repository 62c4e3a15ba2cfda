package io.vessel.launcher;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.UUID;

/**
 * The node's identity, {@code data/node-id}, made before any bundle starts and handed to them as the framework
 * property {@code vessel.node.id}: the kernel layer records its node under it, and the operations bundle names it as
 * the runner of every operation, so both have the same id from the very first start (the kernel layer makes the file
 * the same way where the launcher did not run, e.g. in its own tests).
 */
final class NodeIdentity {

    private static final String FILE_NAME = "node-id";

    private NodeIdentity() {
    }

    /** Whether the data directory has no node id yet: a first start on it. */
    static boolean isNew(Path dataDir) {
        return !Files.exists(dataDir.resolve(FILE_NAME));
    }

    /** The node's id, made on the first start. */
    static String ensure(Path dataDir) throws ConfigException {
        Path file = dataDir.resolve(FILE_NAME);
        try {
            if (Files.exists(file)) {
                return UUID.fromString(Files.readString(file).strip()).toString();
            }
            String id = UUID.randomUUID().toString();
            Path tmp = dataDir.resolve("node-id.tmp");
            Files.writeString(tmp, id + "\n");
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
            return id;
        } catch (IOException | IllegalArgumentException e) {
            throw new ConfigException("cannot read or write the node identity " + file + ": " + e.getMessage());
        }
    }
}
