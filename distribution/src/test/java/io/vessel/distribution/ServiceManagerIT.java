package io.vessel.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The panel under a service manager, as systemd runs vessel.service ({@code Type=notify}, {@code WatchdogSec}): a
 * stand-in for systemd's notification socket (a Unix datagram socket, as systemd's) receives {@code READY=1} once
 * the panel answers, {@code WATCHDOG=1} at half the watchdog interval while it keeps answering, and
 * {@code STOPPING=1} when it is told to stop. The messages go through the real libsystemd.
 */
class ServiceManagerIT {

    @Test
    void systemdHearsReadyThenWatchdogPingsThenStopping() throws Exception {
        Path work = PanelProcess.passableWorkDir("vessel-notify");
        Path socket = work.resolve("notify.sock");
        Path received = work.resolve("received.txt");
        Process systemd = notificationSocket(socket, received);
        try {
            PanelProcess panel = new PanelProcess(work, PanelProcess.env("NOTIFY_SOCKET", socket.toString(), "WATCHDOG_USEC", "2000000"));
            try (panel) {
                panel.start();
                PanelProcess.poll(Duration.ofSeconds(20), () -> lines(received).stream().anyMatch(l -> l.startsWith("READY=1")), "READY=1");
                assertEquals(200, panel.get("/api/v1/health").status(), "ready means answering");
                assertTrue(lines(received).get(0).startsWith("READY=1 STATUS=Ready at http://"), "ready first: " + lines(received));
                PanelProcess.poll(Duration.ofSeconds(10), () -> lines(received).stream().filter(l -> l.startsWith("WATCHDOG=1")).count() >= 3,
                        "watchdog pings every second (half of WATCHDOG_USEC)");
                assertEquals(0, panel.stop(), "systemctl stop: SIGTERM, a clean stop");
            }
            PanelProcess.poll(Duration.ofSeconds(10), () -> lines(received).stream().anyMatch(l -> l.startsWith("STOPPING=1")), "STOPPING=1");
        } finally {
            systemd.destroyForcibly();
            PluginsIT.deleteTree(work);
        }
    }

    /**
     * A stand-in for systemd's notification socket at {@code socket} (a Unix datagram socket, as systemd's): each
     * message it receives is appended to {@code received} as one line. Ready when this returns; destroy it after.
     */
    static Process notificationSocket(Path socket, Path received) throws java.io.IOException {
        Process systemd = new ProcessBuilder("python3", "-c", String.join("\n",
                "import socket, sys",
                "s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)",
                "s.bind(sys.argv[1])",
                "while True:",
                "    m = s.recv(4096).decode()",
                "    with open(sys.argv[2], 'a') as f:",
                "        f.write(m.replace('\\n', ' ') + '\\n')"), socket.toString(), received.toString()).start();
        PanelProcess.poll(Duration.ofSeconds(10), () -> Files.exists(socket), "the notification socket");
        return systemd;
    }

    static List<String> lines(Path file) {
        try {
            return Files.exists(file) ? Files.readAllLines(file) : List.of();
        } catch (java.io.IOException e) {
            return List.of();
        }
    }
}
