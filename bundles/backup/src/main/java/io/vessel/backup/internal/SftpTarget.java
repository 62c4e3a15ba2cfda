package io.vessel.backup.internal;

import io.vessel.backup.api.BackupTarget;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Repositories on another machine over SFTP ({@code <path>/<tenant>} there), reached with OpenSSH as restic's SFTP
 * back end does, with the panel's key and the server's host key <em>pinned</em>: the provider gives the key the
 * server must present ({@code backup.sftp.host.key}, a line of its {@code ssh-keyscan} output), and a server that
 * presents another is refused ("Host key verification failed") instead of being trusted on first use — a backup
 * handed to an impostor is a tenant's data handed to a stranger.
 */
final class SftpTarget implements BackupTarget {

    static final String ID = "sftp";

    private final String host;
    private final int port;
    private final String user;
    private final String path;
    private final Path key;
    private final Path knownHosts;
    private final Path runDir;

    /** Writes the pinned host key where ssh reads it; {@code runDir} is the panel's own (root's alone). */
    SftpTarget(String host, int port, String user, String path, Path key, String hostKey, Path runDir) throws IOException {
        if (!host.matches("[A-Za-z0-9.:\\[\\]-]{1,255}") || !user.matches("[a-z_][a-z0-9_.-]{0,31}") || !path.matches("/[A-Za-z0-9._/-]{0,1000}")) {
            throw new IllegalArgumentException("backup.sftp: host, user (a login name) and path (absolute, letters, digits, . _ - /) are needed");
        }
        String[] parts = hostKey == null ? new String[0] : hostKey.strip().split("\\s+");
        if (parts.length < 2 || !parts[0].matches("(ssh|ecdsa|sk)-[A-Za-z0-9@.-]+")) {
            throw new IllegalArgumentException("backup.sftp.host.key must be the server's public host key, e.g. the 'ssh-ed25519 AAAA…' of"
                    + " ssh-keyscan -t ed25519 " + host);
        }
        if (!Files.isReadable(key)) {
            throw new IllegalArgumentException("backup.sftp.key: no private key at " + key);
        }
        this.host = host;
        this.port = port;
        this.user = user;
        this.path = path.endsWith("/") && path.length() > 1 ? path.substring(0, path.length() - 1) : path;
        this.key = key;
        Files.createDirectories(runDir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        this.runDir = runDir;
        this.knownHosts = runDir.resolve("sftp-known-hosts");
        String entry = (port == 22 ? host : "[" + host + "]:" + port) + " " + parts[0] + " " + parts[1] + "\n";
        Files.writeString(knownHosts, entry, StandardCharsets.UTF_8);
    }

    @Override
    public String id() {
        return ID;
    }

    @Override
    public String describe() {
        return "SFTP " + user + "@" + host + (port == 22 ? "" : ":" + port) + ":" + path;
    }

    @Override
    public Repository repository(String tenant) {
        if (!tenant.matches("[A-Za-z0-9-]{1,64}")) {
            throw new IllegalArgumentException("a tenant id, not a path: " + tenant);
        }
        return new Repository("sftp:" + user + "@" + host + ":" + path + "/" + tenant, Map.of(),
                List.of("-o", "sftp.command=" + String.join(" ", ssh()) + " " + user + "@" + host + " -s sftp"));
    }

    /** ssh with the panel's key, the pinned host key and nothing asked interactively. */
    private List<String> ssh() {
        return List.of("ssh", "-p", Integer.toString(port), "-i", key.toString(), "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes",
                "-o", "StrictHostKeyChecking=yes", "-o", "UserKnownHostsFile=" + knownHosts, "-o", "GlobalKnownHostsFile=/dev/null",
                "-o", "ConnectTimeout=10");
    }

    @Override
    public Optional<Long> freeBytes() {
        // sftp's df prints statvfs in KiB: "Size Used Avail (root) %Capacity" then the numbers (shown, not decided on)
        String out = sftp("df " + path, new String[1]);
        if (out == null) {
            return Optional.empty();
        }
        List<String> lines = out.lines().map(String::strip).filter(l -> l.matches("\\d+\\s+\\d+\\s+\\d+.*")).toList();
        if (lines.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(Long.parseLong(lines.get(0).split("\\s+")[2]) * 1024);
    }

    @Override
    public Health health() {
        String[] said = new String[1];
        String out = sftp("pwd", said);
        if (out != null) {
            return new Health(true, "reachable");
        }
        // the decision is ssh's exit status; its words only choose the sentence
        String why = said[0] == null ? "" : said[0];
        if (why.contains("Host key verification failed") || why.contains("HOST IDENTIFICATION HAS CHANGED")) {
            return new Health(false, "the server at " + host + ":" + port + " did not present the pinned host key (backup.sftp.host.key):"
                    + " it is not the server configured, or its key changed; nothing was sent");
        }
        if (why.contains("Permission denied")) {
            return new Health(false, "the server refused the panel's key for " + user + " (backup.sftp.key)");
        }
        return new Health(false, "cannot reach " + describe() + (why.isBlank() ? "" : ": " + why.lines().reduce((a, b) -> b).orElse("").strip()));
    }

    /**
     * The key files of {@code tenant}'s repository on the server, so the panel's own key there is the cheap one too
     * ({@link FastRepositoryKey}; without it every restic call pays a key derivation of half a second): read with one
     * sftp session, replaced with another (the new file under a {@code .tmp} name, renamed, then the old one removed;
     * sftp stops a batch at its first failing command). The files pass through a directory of the panel's own.
     */
    FastRepositoryKey.KeyFiles keyFiles(String tenant) {
        repository(tenant); // checks the tenant's name, which becomes part of the paths below
        String keys = path + "/" + tenant + "/keys";
        return new FastRepositoryKey.KeyFiles() {
            @Override
            public Map<String, byte[]> read() throws IOException {
                Path local = Files.createTempDirectory(runDir, "keys-");
                try {
                    batch("get " + keys + "/* " + local + "/");
                    Map<String, byte[]> all = new java.util.HashMap<>();
                    try (var files = Files.list(local)) {
                        for (Path file : files.filter(f -> FastRepositoryKey.KeyFiles.isKeyName(f.getFileName().toString())).toList()) {
                            all.put(file.getFileName().toString(), Files.readAllBytes(file));
                        }
                    }
                    return all;
                } finally {
                    BackupService.deleteTree(local);
                }
            }

            @Override
            public void replace(String old, String name, byte[] content) throws IOException {
                if (!FastRepositoryKey.KeyFiles.isKeyName(old) || !FastRepositoryKey.KeyFiles.isKeyName(name)) {
                    throw new IOException("not key file names: " + old + ", " + name);
                }
                Path local = Files.createTempDirectory(runDir, "keys-");
                try {
                    // read-only, as restic leaves its own (sftp's put gives the remote file the local file's mode)
                    Path file = Files.write(local.resolve(name), content);
                    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("r--------"));
                    batch("put " + file + " " + keys + "/" + name + ".tmp", "rename " + keys + "/" + name + ".tmp " + keys + "/" + name,
                            "rm " + keys + "/" + old);
                } finally {
                    BackupService.deleteTree(local);
                }
            }

            @Override
            public String toString() {
                return "repository " + describe() + "/" + tenant;
            }
        };
    }

    /** One sftp batch command; its output, or null when it failed ({@code said[0]}: what it said then). */
    private String sftp(String command, String[] said) {
        try {
            return batch(command);
        } catch (IOException e) {
            org.slf4j.LoggerFactory.getLogger(SftpTarget.class).warn("SFTP target not usable target={}: {}", describe(), e.getMessage());
            said[0] = e.getMessage();
            return null;
        }
    }

    /** sftp's batch mode over the pinned connection: its output, or an IOException saying what sftp said. */
    private String batch(String... commands) throws IOException {
        List<String> argv = new java.util.ArrayList<>(List.of("sftp", "-b", "-"));
        List<String> options = ssh();
        for (int i = 1; i < options.size(); i++) {
            argv.add(options.get(i).equals("-p") ? "-P" : options.get(i)); // sftp takes the port as -P
        }
        argv.add(user + "@" + host);
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        try {
            p.getOutputStream().write((String.join("\n", commands) + "\n").getBytes(StandardCharsets.UTF_8));
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                throw new IOException("sftp to " + describe() + " did not finish");
            }
            if (p.exitValue() != 0) {
                throw new IOException(out.strip());
            }
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } finally {
            p.destroyForcibly();
        }
    }
}
