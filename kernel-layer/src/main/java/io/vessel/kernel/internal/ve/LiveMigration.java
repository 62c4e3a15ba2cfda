package io.vessel.kernel.internal.ve;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Whether a running VE could move live (checkpointed with CRIU and restored on the target) instead of cold, and if
 * not, why: a move asked to be live falls back to cold and says so. What CRIU can do depends on the host, so this
 * asks CRIU itself ({@code criu check}, once per process: the kernel does not change under it) rather than guess
 * from versions.
 *
 * <p>On the kernels Vessel is tested on (6.x), Debian's CRIU 3.17 cannot even start ({@code criu check}: "vdso:
 * Unexpected rt vDSO area bounds"); and where it starts it cannot checkpoint a VE that boots systemd (no pidfd
 * support). Checkpointing VEs is not built beyond this check: a host where CRIU passes is told that too, so a live
 * move is never half-done.
 */
public final class LiveMigration {

    /** The answer of {@code criu check} on this host: empty when it passed; computed on first use. */
    private volatile Optional<String> hostRefusal;

    private final List<Path> criuCandidates;

    LiveMigration(List<Path> criuCandidates) {
        this.criuCandidates = criuCandidates;
    }

    /** CRIU where Debian installs it. */
    public static LiveMigration onThisHost() {
        return new LiveMigration(List.of(Path.of("/usr/sbin/criu"), Path.of("/usr/bin/criu"), Path.of("/usr/local/sbin/criu")));
    }

    /** Why a VE booting {@code bootsSystemd} cannot move live from this node, in words for the provider. */
    public String refusal(boolean bootsSystemd) {
        Optional<String> host = hostRefusal;
        if (host == null) {
            host = checkHost();
            hostRefusal = host;
        }
        if (host.isPresent()) {
            return host.get();
        }
        if (bootsSystemd) {
            return "a VE that boots systemd cannot be checkpointed (CRIU has no pidfd support)";
        }
        return "checkpointing VEs is not built yet (CRIU passes its check on this node)";
    }

    private Optional<String> checkHost() {
        Path criu = criuCandidates.stream().filter(Files::isExecutable).findFirst().orElse(null);
        if (criu == null) {
            return Optional.of("CRIU is not installed on this node (Debian package criu)");
        }
        try {
            Process check = new ProcessBuilder(criu.toString(), "check").redirectErrorStream(true).start();
            check.getOutputStream().close();
            String printed = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!check.waitFor(60, TimeUnit.SECONDS)) {
                check.destroyForcibly();
                return Optional.of("criu check did not finish within a minute on this node");
            }
            if (check.exitValue() == 0) {
                return Optional.empty();
            }
            return Optional.of("criu check fails on this node (" + firstError(printed) + ")");
        } catch (IOException e) {
            return Optional.of("criu check could not run on this node: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.of("interrupted while criu check ran");
        }
    }

    /** The first "Error (file:line): what" line, as "what"; CRIU prints its reasons as such lines, most specific first. */
    static String firstError(String printed) {
        for (String line : printed.lines().toList()) {
            int at = line.indexOf("): ");
            // "exited, status=1" is CRIU's helper reporting that it failed, not why
            if (line.startsWith("Error (") && at > 0 && !line.substring(at + 3).startsWith("exited, status")) {
                return line.substring(at + 3).strip();
            }
        }
        String all = printed.strip();
        return all.isEmpty() ? "no reason given" : all.lines().findFirst().orElse(all);
    }
}
