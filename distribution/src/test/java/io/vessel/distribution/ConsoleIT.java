package io.vessel.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The browser console's transport: a WebSocket to a login shell in the caller's own VE, and to nobody else's. */
class ConsoleIT {

    private static final String PASSWORD = "Console-Password-1";

    @TempDir
    Path work;

    @Test
    void aCustomerTypesIntoTheirOwnVeAndNobodyElseGetsIn() throws Exception {
        Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwx--x--x"));
        try (PanelProcess panel = new PanelProcess(work, Map.of()).start()) {
            String a = PanelProcess.createdId(panel.post("/api/v1/tenants", "{\"name\":\"A\",\"kind\":\"CUSTOMER\"}"));
            String b = PanelProcess.createdId(panel.post("/api/v1/tenants", "{\"name\":\"B\",\"kind\":\"CUSTOMER\"}"));
            panel.createAccount(a, "alice", "customer-owner", PASSWORD);
            panel.createAccount(b, "bob", "customer-owner", PASSWORD);
            panel.createAccount(panel.get("/api/v1/me").json().at("/tenant/id").asText(), "audrey", "auditor", PASSWORD);
            JsonNode created = VeLifecycleIT.awaitOperation(panel, panel.post("/api/v1/ves",
                    "{\"template\":\"busybox\",\"hostname\":\"console-test\",\"owner\":\"" + a + "\"}"));
            String ve = created.get("result").asText().replace("/api/v1/ves/", "");
            VeLifecycleIT.awaitOperation(panel, panel.post("/api/v1/ves/" + ve + "/start", ""));
            String origin = "http://127.0.0.1:" + panel.port;

            Terminal terminal = new Terminal();
            WebSocket socket = open(panel, "/ws/ves/" + ve + "/console?columns=100&rows=30", cookie(panel, "alice"), origin, terminal).join();
            socket.sendBinary(ByteBuffer.wrap("hostname\r".getBytes(StandardCharsets.UTF_8)), true).join();
            terminal.await("console-test", Duration.ofSeconds(10));
            socket.sendText("{\"type\":\"resize\",\"columns\":120,\"rows\":40}", true).join();
            socket.sendText("{\"type\":\"input\",\"data\":\"stty size\\r\"}", true).join();
            terminal.await("40 120", Duration.ofSeconds(10));
            socket.sendBinary(ByteBuffer.wrap("exit 3\r".getBytes(StandardCharsets.UTF_8)), true).join();
            assertEquals("{\"type\":\"exit\",\"code\":3}", terminal.exit.get(10, TimeUnit.SECONDS));
            terminal.closed.get(10, TimeUnit.SECONDS);

            // refused before any shell starts: another tenant (as if there were no such VE), no login, another site, no permission
            assertRefused(open(panel, "/ws/ves/" + ve + "/console", cookie(panel, "bob"), origin, new Terminal()), 404);
            assertRefused(open(panel, "/ws/ves/99999/console", cookie(panel, "alice"), origin, new Terminal()), 404);
            assertRefused(open(panel, "/ws/ves/" + ve + "/console", null, origin, new Terminal()), 401);
            assertRefused(open(panel, "/ws/ves/" + ve + "/console", cookie(panel, "alice"), "https://evil.example", new Terminal()), 403);
            assertRefused(open(panel, "/ws/ves/" + ve + "/console", cookie(panel, "audrey"), origin, new Terminal()), 403);
            String log = Files.readString(panel.logDir.resolve("vessel.log"));
            assertTrue(log.contains("Console opened ve=" + ve + " user=alice"), "console use is logged");
            JsonNode audit = panel.get("/api/v1/audit?action=CONSOLE").json();
            assertTrue(audit.toString().contains("\"actor\":\"alice\"") && audit.toString().contains("\"status\":101"), audit.toString());
            assertTrue(audit.toString().contains("\"actor\":\"bob\"") && audit.toString().contains("\"status\":404"), "refusals too: " + audit);
        }
    }

    private static void assertRefused(CompletableFuture<WebSocket> handshake, int status) {
        CompletionException refused = org.junit.jupiter.api.Assertions.assertThrows(CompletionException.class, handshake::join);
        WebSocketHandshakeException e = assertInstanceOf(WebSocketHandshakeException.class, refused.getCause());
        assertEquals(status, e.getResponse().statusCode());
    }

    static CompletableFuture<WebSocket> open(PanelProcess panel, String path, String cookie, String origin, Terminal terminal) {
        WebSocket.Builder builder = HttpClient.newHttpClient().newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10)).header("Origin", origin);
        if (cookie != null) {
            builder.header("Cookie", cookie);
        }
        return builder.buildAsync(URI.create("ws://127.0.0.1:" + panel.port + path), terminal);
    }

    /** Collects what the terminal shows. */
    static final class Terminal implements WebSocket.Listener {
        final StringBuffer screen = new StringBuffer();
        final CompletableFuture<String> exit = new CompletableFuture<>();
        final CompletableFuture<Integer> closed = new CompletableFuture<>();

        @Override
        public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
            screen.append(StandardCharsets.UTF_8.decode(data));
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            exit.complete(data.toString());
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            closed.complete(statusCode);
            return null;
        }

        void await(String text, Duration timeout) {
            PanelProcess.poll(timeout, () -> screen.toString().contains(text), "'" + text + "' on the terminal:\n" + screen);
        }
    }

    private static String cookie(PanelProcess panel, String user) {
        return panel.login(user, PASSWORD).value();
    }


}
