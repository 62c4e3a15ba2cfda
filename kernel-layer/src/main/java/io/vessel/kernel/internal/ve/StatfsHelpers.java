package io.vessel.kernel.internal.ve;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's statfs helpers ({@link StatfsAgent}), one per running VE, and their files in the node's runtime root
 * ({@code statfs/<id>.sock}, {@code .pid}, {@code .log}; the directory is root's alone).
 */
public final class StatfsHelpers {

    private static final Logger LOG = LoggerFactory.getLogger(StatfsHelpers.class);

    private final StatfsAgent agent;
    private final Path dir;

    public StatfsHelpers(StatfsAgent agent, Path nodeDir) {
        this.agent = agent;
        this.dir = nodeDir.resolve("statfs");
    }

    /** The socket runc hands VE {@code id}'s seccomp listeners to. */
    public Path socket(int id) {
        return dir.resolve(id + ".sock");
    }

    private Path pidFile(int id) {
        return dir.resolve(id + ".pid");
    }

    /** Starts VE {@code id}'s helper on its quota group; one left by an earlier run of the VE is ended first. */
    public void start(int id, Path quotaGroup) throws IOException {
        Files.createDirectories(dir);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        StatfsAgent.pid(pidFile(id)).ifPresent(StatfsAgent::stop);
        agent.start(socket(id), quotaGroup, pidFile(id), dir.resolve(id + ".log"));
    }

    /** Whether a helper was started for VE {@code id} and has died since (its pid file outlived it). */
    public boolean died(int id) {
        return Files.exists(pidFile(id)) && StatfsAgent.pid(pidFile(id)).isEmpty();
    }

    /**
     * Ends VE {@code id}'s helper if it is still there (it ends with its VE by itself) and removes its socket and pid
     * file; its log too once the VE is destroyed.
     */
    public void release(int id, boolean destroyed) {
        StatfsAgent.pid(pidFile(id)).ifPresent(StatfsAgent::stop);
        for (String suffix : destroyed ? List.of(".sock", ".pid", ".log") : List.of(".sock", ".pid")) {
            try {
                Files.deleteIfExists(dir.resolve(id + suffix));
            } catch (IOException e) {
                LOG.warn("Could not remove a statfs helper's file ve={} file={}: {}", id, id + suffix, e.getMessage());
            }
        }
    }

    /** VEs with a helper's socket or pid file, for the reconcile after a crash. */
    public Set<Integer> recorded() {
        if (!Files.isDirectory(dir)) {
            return Set.of();
        }
        try (var files = Files.list(dir)) {
            return files.map(f -> f.getFileName().toString()).filter(n -> n.matches("\\d{1,5}\\.(sock|pid)"))
                    .map(n -> Integer.parseInt(n.substring(0, n.indexOf('.')))).collect(Collectors.toSet());
        } catch (IOException e) {
            LOG.warn("Could not look through the statfs helpers' files: {}", e.getMessage());
            return Set.of();
        }
    }
}
