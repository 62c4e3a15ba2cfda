package io.vessel.backup.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.vessel.backup.api.BackupTarget;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The panel's cheap key written into a repository on an SFTP server (Debian's OpenSSH on 127.0.0.1, started here)
 * through the target's own pinned connection, and opened by Debian's real restic over SFTP afterwards.
 */
class SftpKeyFilesTest {

    @TempDir
    Path work;
    private Process sshd;
    private int port;
    private Path store;
    private Restic restic;

    @BeforeEach
    void startSshd() throws Exception {
        // never skipped: CI installs openssh-server (.ci/run), and a machine without it must say so
        assertTrue(Files.isExecutable(Path.of("/usr/sbin/sshd")), "OpenSSH's server is needed (openssh-server, which .ci/run installs)");
        restic = new Restic("restic", Files.createDirectories(work.resolve("cache")), Duration.ofMinutes(5));
        Path ssh = Files.createDirectories(work.resolve("ssh"));
        for (String key : List.of("host", "impostor", "panel")) {
            run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", key, "-f", ssh.resolve(key).toString());
        }
        store = Files.createDirectories(work.resolve("store"));
        Files.createDirectories(Path.of("/run/sshd"));
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        Path config = Files.writeString(ssh.resolve("sshd_config"), String.join("\n", "Port " + port, "ListenAddress 127.0.0.1",
                "HostKey " + ssh.resolve("host"), "AuthorizedKeysFile " + ssh.resolve("panel.pub"), "PasswordAuthentication no",
                "KbdInteractiveAuthentication no", "PermitRootLogin prohibit-password", "StrictModes no", "UsePAM no",
                "Subsystem sftp internal-sftp", "PidFile " + ssh.resolve("sshd.pid"), ""));
        sshd = new ProcessBuilder("/usr/sbin/sshd", "-D", "-e", "-f", config.toString()).redirectErrorStream(true)
                .redirectOutput(work.resolve("sshd.log").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            try (Socket probe = new Socket("127.0.0.1", port)) {
                break;
            } catch (IOException notYet) {
                assertTrue(System.nanoTime() < deadline && sshd.isAlive(), "sshd listening: " + Files.readString(work.resolve("sshd.log")));
                Thread.sleep(50);
            }
        }
    }

    @AfterEach
    void stopSshd() throws InterruptedException {
        if (sshd != null) {
            sshd.destroy();
            sshd.waitFor();
        }
    }

    @Test
    void thePanelsKeyOnTheServerBecomesTheCheapOneAndResticStillOpensTheRepository() throws Exception {
        SftpTarget target = target("host.pub");
        BackupTarget.Repository repository = target.repository("tenant-a");
        String password = new String(new char[43]).replace('\0', 's');
        String costly = initialized(repository, password);
        restic.addKey(repository, password, "the-providers-recovery-key");
        Path keys = store.resolve("tenant-a/keys");
        List<String> before = names(keys);
        String recovery = before.stream().filter(k -> !k.startsWith(costly)).findFirst().orElseThrow();
        String recoveryBefore = Files.readString(keys.resolve(recovery));
        long costlyOpen = timed(() -> restic.snapshots(repository, password, List.of()));

        String cheap = FastRepositoryKey.ensure(target.keyFiles("tenant-a"), costly, password);

        assertFalse(cheap.startsWith(costly), "restic's costly key is written anew");
        assertEquals(List.of(cheap, recovery).stream().sorted().toList(), names(keys), "replaced, not added to; no .tmp left behind");
        assertEquals(FastRepositoryKey.N, new ObjectMapper().readTree(keys.resolve(cheap).toFile()).get("N").asInt());
        assertEquals("r--------", PosixFilePermissions.toString(Files.getPosixFilePermissions(keys.resolve(cheap))));
        assertEquals(recoveryBefore, Files.readString(keys.resolve(recovery)), "the recovery key is restic's own, untouched");
        assertTrue(cheap.startsWith(restic.keyId(repository, password)), "restic over SFTP opens the repository with the new key");
        restic.hintKey(repository.location(), cheap.substring(0, 8));
        long cheapOpen = timed(() -> restic.snapshots(repository, password, List.of()));
        assertEquals(List.of(), restic.snapshots(repository, "the-providers-recovery-key", List.of()), "the recovery key opens it too");
        assertEquals(cheap, FastRepositoryKey.ensure(target.keyFiles("tenant-a"), cheap.substring(0, 8), password), "a cheap key stays");
        System.out.printf("restic snapshots over SFTP: %d ms with restic's key, %d ms with the panel's cheap key%n", costlyOpen, cheapOpen);
    }

    @Test
    void aServerPresentingAnotherHostKeyGetsNothingAndAWrongPasswordChangesNothing() throws Exception {
        BackupTarget.Repository repository = target("host.pub").repository("tenant-b");
        String costly = initialized(repository, "the-right-password-of-the-repository");
        Path keys = store.resolve("tenant-b/keys");
        List<String> before = names(keys);

        IOException impostor = assertThrows(IOException.class,
                () -> FastRepositoryKey.ensure(target("impostor.pub").keyFiles("tenant-b"), costly, "the-right-password-of-the-repository"));
        assertTrue(impostor.getMessage().contains("Host key verification failed"), impostor.getMessage());
        IOException wrong = assertThrows(IOException.class,
                () -> FastRepositoryKey.ensure(target("host.pub").keyFiles("tenant-b"), costly, "a-wrong-password"));
        assertTrue(wrong.getMessage().contains("does not open"), wrong.getMessage());
        assertEquals(before, names(keys));
        assertEquals(costly, restic.keyId(repository, "the-right-password-of-the-repository").substring(0, costly.length()));
        try (var left = Files.list(work.resolve("run"))) {
            assertEquals(List.of("sftp-known-hosts"), left.map(f -> f.getFileName().toString()).toList(), "no key file left in the panel's directory");
        }
    }

    /** Names a hostile or broken server lists in {@code keys/} are not key files: never read, never in an sftp command. */
    @Test
    void filesThatAreNotKeysAreLeftAloneAndNeverReachACommand() throws Exception {
        SftpTarget target = target("host.pub");
        BackupTarget.Repository repository = target.repository("tenant-c");
        String password = new String(new char[43]).replace('\0', 'c');
        String costly = initialized(repository, password);
        Path keys = store.resolve("tenant-c/keys");
        // a name with a newline would end the sftp command it stood in and start another of the server's choosing
        List<String> planted = List.of("x\nrm " + costly, "two words", "junk.tmp");
        for (String name : planted) {
            Files.writeString(keys.resolve(name), "{}");
        }

        String cheap = FastRepositoryKey.ensure(target.keyFiles("tenant-c"), costly, password);

        List<String> expected = new java.util.ArrayList<>(planted);
        expected.add(cheap);
        assertEquals(expected.stream().sorted().toList(), names(keys), "restic's key replaced, the planted files untouched");
        assertTrue(cheap.startsWith(restic.keyId(repository, password)));
        IOException refused = assertThrows(IOException.class, () -> target.keyFiles("tenant-c").replace(planted.get(0), cheap, new byte[] {1}));
        assertTrue(refused.getMessage().contains("not key file names"), refused.getMessage());
        assertEquals(expected.stream().sorted().toList(), names(keys));
    }

    /** A new repository over SFTP, as restic makes it: the id of its one key, restic's own. */
    private String initialized(BackupTarget.Repository repository, String password) throws IOException {
        restic.init(repository, password);
        return restic.keyId(repository, password);
    }

    private SftpTarget target(String hostKey) throws IOException {
        return new SftpTarget("127.0.0.1", port, "root", store.toString(), work.resolve("ssh/panel"),
                Files.readString(work.resolve("ssh").resolve(hostKey)).strip(), work.resolve("run"));
    }

    private static List<String> names(Path dir) throws IOException {
        try (var files = Files.list(dir)) {
            return files.map(f -> f.getFileName().toString()).sorted().toList();
        }
    }

    private interface Call {
        void run() throws Exception;
    }

    private static long timed(Call call) throws Exception {
        long started = System.nanoTime();
        call.run();
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
    }

    private static void run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), String.join(" ", command) + ": " + out);
    }
}
