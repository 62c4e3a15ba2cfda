package io.vessel.distribution;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * An OpenSSH server (on 127.0.0.1, or another address of this host) for backups over SFTP: a host key, an impostor's key, and the key panels (and
 * nodes) log in with, accepted for root; the repositories go to {@link #store}.
 */
final class SftpServer implements AutoCloseable {

    final Path ssh;
    final Path store;
    final int port;
    /** Where it listens (and where its users find it). */
    final String address;
    private final Process sshd;

    SftpServer(Path work) throws Exception {
        this(work, "127.0.0.1");
    }

    /** A server listening at {@code address} (one every node reaches, when nodes have networks of their own). */
    SftpServer(Path work, String address) throws Exception {
        this.address = address;
        this.ssh = Files.createDirectories(work.resolve("ssh"));
        for (String key : List.of("host", "impostor", "panel")) {
            PanelProcess.host("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", key, "-f", ssh.resolve(key).toString());
        }
        Files.copy(ssh.resolve("panel.pub"), ssh.resolve("authorized_keys"));
        this.store = Files.createDirectories(work.resolve("store"));
        Files.createDirectories(Path.of("/run/sshd"));
        this.port = PanelProcess.freePort();
        Path config = Files.writeString(ssh.resolve("sshd_config"), String.join("\n", "Port " + port, "ListenAddress " + address,
                "HostKey " + ssh.resolve("host"), "AuthorizedKeysFile " + ssh.resolve("authorized_keys"), "PasswordAuthentication no",
                "KbdInteractiveAuthentication no", "PermitRootLogin prohibit-password", "StrictModes no", "UsePAM no",
                "Subsystem sftp internal-sftp", "PidFile " + ssh.resolve("sshd.pid"), ""));
        this.sshd = new ProcessBuilder("/usr/sbin/sshd", "-D", "-e", "-f", config.toString()).redirectErrorStream(true)
                .redirectOutput(work.resolve("sshd.log").toFile()).start();
        PanelProcess.poll(Duration.ofSeconds(10), () -> {
            try (var socket = new java.net.Socket(address, port)) {
                return true;
            } catch (IOException e) {
                return false;
            }
        }, "sshd listening");
    }

    /** The {@code backup.*} settings for this server, with {@code hostKeyFile}'s key pinned (host.pub, or impostor.pub). */
    String conf(String hostKeyFile) throws IOException {
        return String.join("\n", "backup.default.target = sftp", "backup.sftp.host = " + address, "backup.sftp.port = " + port,
                "backup.sftp.user = root", "backup.sftp.path = " + store, "backup.sftp.key = " + ssh.resolve("panel"),
                "backup.sftp.host.key = " + Files.readString(ssh.resolve(hostKeyFile)).strip(), "");
    }

    @Override
    public void close() throws InterruptedException {
        sshd.destroy();
        sshd.waitFor();
    }
}
