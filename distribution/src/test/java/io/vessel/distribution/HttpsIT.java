package io.vessel.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The panel over HTTPS (issue 11, finding 14): a self-signed certificate made at the first start whose fingerprint
 * the launcher prints, HTTP/2, plain HTTP redirected, the console over {@code wss:}; the provider's own certificate
 * with HSTS, replaced on disk and served without a restart while an open event stream carries on.
 */
class HttpsIT {

    @TempDir
    Path work;

    @BeforeEach
    void passable() throws Exception {
        Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwx--x--x"));
    }

    @Test
    void selfSignedHttpsWithHttp2TheConsoleOverWssAndPlainHttpRedirected() throws Exception {
        try (PanelProcess panel = new PanelProcess(work, Map.of()).start()) {
            String printed = panel.output().lines().filter(l -> l.contains("TLS:")).findFirst().orElseThrow();
            assertTrue(printed.contains("self-signed certificate, SHA-256 fingerprint "), printed);
            Certificate certificate;
            try (InputStream in = Files.newInputStream(panel.dataDir.resolve("tls/self-signed.crt"))) {
                certificate = java.security.cert.CertificateFactory.getInstance("X.509").generateCertificate(in);
            }
            assertTrue(printed.contains(fingerprint(certificate)), "the printed fingerprint is the served certificate's: " + printed);
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(panel.dataDir.resolve("tls/self-signed.key"))));
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(panel.dataDir.resolve("tls"))));

            HttpClient client = client(List.of(certificate));
            HttpResponse<String> health = client.send(HttpRequest.newBuilder(https(panel, "/api/v1/health")).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, health.statusCode());
            assertEquals(HttpClient.Version.HTTP_2, health.version(), "HTTP/2 where the client speaks it");
            assertEquals(fingerprint(certificate), fingerprint(health.sslSession().orElseThrow().getPeerCertificates()[0]));
            assertTrue(health.headers().firstValue("Strict-Transport-Security").isEmpty(), "no HSTS with a self-signed certificate");

            HttpResponse<String> login = client.send(HttpRequest.newBuilder(https(panel, "/api/v1/auth/login"))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(
                            "{\"username\":\"admin\",\"password\":\"" + PanelProcess.ADMIN_PASSWORD + "\"}")).build(), HttpResponse.BodyHandlers.ofString());
            String cookie = login.headers().firstValue("Set-Cookie").orElseThrow();
            assertTrue(cookie.contains("Secure"), "the session cookie never travels in clear: " + cookie);

            // plain HTTP from the network only redirects (from this machine it is served, as configured by default)
            InetAddress outside = nonLoopbackAddress();
            HttpResponse<String> plain = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://" + outside.getHostAddress() + ":" + panel.port + "/api/v1/health?x=1")).GET().build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(308, plain.statusCode(), plain.body());
            assertEquals("https://" + outside.getHostAddress() + ":" + panel.httpsPort + "/api/v1/health?x=1", plain.headers().firstValue("Location").orElseThrow());
            assertEquals(200, panel.get("/api/v1/health").status(), "loopback plain HTTP is served");

            // the browser console over wss:
            JsonNode created = VeLifecycleIT.awaitOperation(panel, panel.post("/api/v1/ves", "{\"template\":\"busybox\",\"hostname\":\"over-tls\"}"));
            String ve = created.get("result").asText().replace("/api/v1/ves/", "");
            VeLifecycleIT.awaitOperation(panel, panel.post("/api/v1/ves/" + ve + "/start", ""));
            StringBuffer screen = new StringBuffer();
            WebSocket socket = client.newWebSocketBuilder().header("Origin", "https://localhost:" + panel.httpsPort)
                    .header("Cookie", cookie.substring(0, cookie.indexOf(';')))
                    .buildAsync(URI.create("wss://localhost:" + panel.httpsPort + "/ws/ves/" + ve + "/console"), new WebSocket.Listener() {
                        @Override
                        public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
                            screen.append(StandardCharsets.UTF_8.decode(data));
                            webSocket.request(1);
                            return null;
                        }
                    }).join();
            socket.sendBinary(ByteBuffer.wrap("hostname\r".getBytes(StandardCharsets.UTF_8)), true).join();
            PanelProcess.poll(Duration.ofSeconds(10), () -> screen.toString().contains("over-tls"), "the console to answer over wss");
            socket.abort();
        }
    }

    @Test
    void theProvidersCertificateIsServedWithHstsAndReplacedWithoutDroppingConnections() throws Exception {
        Path tls = Files.createDirectories(work.resolve("tls"));
        Path cert = tls.resolve("fullchain.pem");
        Path key = tls.resolve("privkey.pem");
        List<Path> first = makeCertificate(tls, "one");
        List<Path> second = makeCertificate(tls, "two");
        Files.copy(first.get(0), cert);
        Files.copy(first.get(1), key);
        Certificate one = read(first.get(0));
        Certificate two = read(second.get(0));
        try (PanelProcess panel = new PanelProcess(work, PanelProcess.env("VESSEL_HTTPS_CERTIFICATE", cert.toString(), "VESSEL_HTTPS_KEY", key.toString())).start()) {
            assertTrue(panel.output().contains("SHA-256 fingerprint " + fingerprint(one)), panel.output());
            HttpResponse<String> health = client(List.of(one, two)).send(HttpRequest.newBuilder(https(panel, "/api/v1/health")).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(fingerprint(one), fingerprint(health.sslSession().orElseThrow().getPeerCertificates()[0]));
            assertTrue(health.headers().firstValue("Strict-Transport-Security").orElse("").startsWith("max-age=31536000"), health.headers().map().toString());

            // an event stream opened before the renewal
            HttpClient streaming = client(List.of(one, two));
            HttpResponse<String> login = streaming.send(HttpRequest.newBuilder(https(panel, "/api/v1/auth/login"))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(
                            "{\"username\":\"admin\",\"password\":\"" + PanelProcess.ADMIN_PASSWORD + "\"}")).build(), HttpResponse.BodyHandlers.ofString());
            String session = login.headers().firstValue("Set-Cookie").orElseThrow().split(";")[0];
            List<String> events = new CopyOnWriteArrayList<>();
            streaming.sendAsync(HttpRequest.newBuilder(https(panel, "/api/v1/events")).header("Cookie", session).GET().build(),
                    HttpResponse.BodyHandlers.ofLines()).thenAccept(r -> r.body().forEach(events::add));

            // certbot renews: new files replace the old ones
            Files.copy(second.get(0), tls.resolve("fullchain.pem.new"));
            Files.copy(second.get(1), tls.resolve("privkey.pem.new"));
            Files.move(tls.resolve("privkey.pem.new"), key, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            Files.move(tls.resolve("fullchain.pem.new"), cert, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            PanelProcess.poll(Duration.ofSeconds(30), () -> {
                try {
                    HttpResponse<String> fresh = client(List.of(one, two)).send(HttpRequest.newBuilder(https(panel, "/api/v1/health")).GET().build(),
                            HttpResponse.BodyHandlers.ofString());
                    return fingerprint(two).equals(fingerprint(fresh.sslSession().orElseThrow().getPeerCertificates()[0]));
                } catch (Exception e) {
                    return false;
                }
            }, "the renewed certificate to be served");

            // the stream opened under the old certificate still carries events
            int before = events.size();
            panel.post("/api/v1/ves", "{\"template\":\"busybox\"}");
            // a copy first: a sub-list of a copy-on-write list fails as soon as the stream adds a line
            PanelProcess.poll(Duration.ofSeconds(20), () -> List.copyOf(events).stream().skip(before).anyMatch(l -> l.contains("operation")),
                    "an event on the stream opened before the renewal");
            assertTrue(Files.readString(panel.logDir.resolve("vessel.log")).contains("TLS certificate reloaded"));
        }
    }

    private static URI https(PanelProcess panel, String path) {
        return URI.create("https://localhost:" + panel.httpsPort + path);
    }

    /** A client that trusts exactly these certificates (and checks the host name against them). */
    private static HttpClient client(List<Certificate> trusted) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        for (int i = 0; i < trusted.size(); i++) {
            trust.setCertificateEntry("c" + i, trusted.get(i));
        }
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, factory.getTrustManagers(), null);
        return HttpClient.newBuilder().sslContext(context).version(HttpClient.Version.HTTP_2).connectTimeout(Duration.ofSeconds(5)).build();
    }

    /** A self-signed certificate for localhost and its PKCS#8 key, as certbot-style PEM files. */
    private static List<Path> makeCertificate(Path dir, String name) {
        Path cert = dir.resolve(name + ".crt");
        Path key = dir.resolve(name + ".key");
        String out = PanelProcess.host("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", key.toString(), "-out", cert.toString(), "-days", "2", "-subj", "/CN=localhost",
                "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1");
        if (!Files.exists(cert)) {
            throw new AssertionError("openssl failed: " + out);
        }
        return List.of(cert, key);
    }

    private static Certificate read(Path pem) throws Exception {
        try (InputStream in = Files.newInputStream(pem)) {
            return CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
    }

    private static String fingerprint(Certificate certificate) throws Exception {
        return HexFormat.ofDelimiter(":").withUpperCase().formatHex(MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded()));
    }

    private static InetAddress nonLoopbackAddress() throws Exception {
        return Collections.list(NetworkInterface.getNetworkInterfaces()).stream()
                .filter(i -> {
                    try {
                        return i.isUp() && !i.isLoopback();
                    } catch (java.net.SocketException e) {
                        return false;
                    }
                })
                .flatMap(i -> Collections.list(i.getInetAddresses()).stream())
                .filter(a -> a instanceof java.net.Inet4Address)
                .findFirst().orElseThrow(() -> new AssertionError("this machine has no non-loopback IPv4 address to test from"));
    }
}
