package io.vessel.launcher;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import org.junit.jupiter.api.Test;

/** What counts as a node agent's channel answering, for systemd's watchdog. */
class ServiceWatchdogTest {

    @Test
    void aChannelThatAnswersTheHandshakeEvenByRefusingIsAlive() throws Exception {
        try (ServerSocket server = new ServerSocket(0)) {
            Thread refuser = new Thread(() -> {
                try (Socket s = server.accept()) {
                    s.getOutputStream().write(new byte[] {21, 3, 3, 0, 2, 2, 116}); // a TLS alert: certificate required
                } catch (java.io.IOException ignored) {
                    // the test's end
                }
            });
            refuser.start();
            assertTrue(ServiceWatchdog.handshakes(URI.create("https://127.0.0.1:" + server.getLocalPort()), 2000));
            refuser.join();
        }
    }

    @Test
    void aChannelThatIsGoneOrHungIsNot() throws Exception {
        int closed;
        try (ServerSocket gone = new ServerSocket(0)) {
            closed = gone.getLocalPort();
        }
        assertFalse(ServiceWatchdog.handshakes(URI.create("https://127.0.0.1:" + closed), 1000), "nothing listens");
        try (ServerSocket hung = new ServerSocket(0)) { // accepted by the kernel's backlog, never answered: a hung process
            assertFalse(ServiceWatchdog.handshakes(URI.create("https://127.0.0.1:" + hung.getLocalPort()), 500));
        }
    }
}
