package io.vessel.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.eclipse.jetty.client.BytesRequestContent;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.InputStreamRequestContent;
import org.eclipse.jetty.client.InputStreamResponseListener;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.client.transport.HttpClientTransportOverHTTP;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.util.ssl.SslContextFactory;

/**
 * The panel's REST API as vesselctl sees it: JSON in, JSON out, problem documents turned into one-line errors with
 * the exit code scripts branch on. One Jetty client for both transports — the host's Unix domain socket (the JDK's
 * HTTP client has none) and TCP, with TLS that trusts either the system's CAs or, when the user gave one, exactly the
 * certificate with that SHA-256 fingerprint (the panel's self-signed one).
 */
final class PanelClient implements AutoCloseable {

    private static final long TIMEOUT_SECONDS = 120;

    private final Target target;
    private final HttpClient http;

    /**
     * An API answer: status, the body as it came, and as JSON (NullNode when empty or not JSON), parsed when first
     * asked for — a script's {@code -o json} passes the body through unparsed.
     */
    static final class Answer {
        private final int status;
        private final byte[] body;
        private final String location;
        private JsonNode json;

        Answer(int status, byte[] body, String location) {
            this.status = status;
            this.body = body;
            this.location = location;
        }

        int status() {
            return status;
        }

        byte[] body() {
            return body;
        }

        String location() {
            return location;
        }

        JsonNode json() {
            if (json == null) {
                try {
                    json = body.length == 0 ? NullNode.getInstance() : Json.MAPPER.readTree(body); // from the bytes: no String of it first
                } catch (IOException notJson) {
                    json = NullNode.getInstance();
                }
            }
            return json;
        }

        @Override
        public String toString() {
            return "Answer[status=" + status + ", json=" + json() + ", location=" + location + "]";
        }
    }

    PanelClient(Target target) {
        this.target = target;
        ClientConnector connector = target.socket() != null ? unixDomain(target.socket()) : new ClientConnector();
        if ("https".equals(target.base().getScheme())) {
            connector.setSslContextFactory(tls(target.fingerprint()));
        } else {
            // Without a factory of its own the connector makes one at start and loads the JDK's ~150 CA certificates
            // into it: a quarter of a second of every short command, for TLS it never speaks. This one is never
            // started, so anything that tried TLS over this client would fail rather than go unchecked.
            SslContextFactory.Client unused = new SslContextFactory.Client();
            connector.setSslContextFactory(unused);
            connector.unmanage(unused);
        }
        connector.setConnectTimeout(java.time.Duration.ofSeconds(10));
        // one command, one connection or two: a handful of threads, started as needed (Jetty's default starts eight)
        org.eclipse.jetty.util.thread.QueuedThreadPool threads = new org.eclipse.jetty.util.thread.QueuedThreadPool(8, 1);
        threads.setName("vesselctl");
        threads.setDaemon(true);
        connector.setExecutor(threads);
        this.http = new HttpClient(new HttpClientTransportOverHTTP(connector));
        http.setExecutor(threads);
        http.setFollowRedirects(false);
        // a 401 is the panel's answer to show, not a challenge for the client to take up (nor, without a
        // WWW-Authenticate header, a protocol violation)
        http.getProtocolHandlers().remove(org.eclipse.jetty.client.WWWAuthenticationProtocolHandler.NAME);
        http.getProtocolHandlers().remove(org.eclipse.jetty.client.ProxyAuthenticationProtocolHandler.NAME);
        http.setUserAgentField(new org.eclipse.jetty.http.HttpField(org.eclipse.jetty.http.HttpHeader.USER_AGENT, "vesselctl"));
        try {
            http.start();
        } catch (Exception e) {
            throw new CliException(ExitCode.ERROR, "cannot start the HTTP client: " + e.getMessage());
        }
    }

    /** Jetty 12.0's way to a Unix domain socket for both the HTTP and the WebSocket client. */
    @SuppressWarnings("removal")
    private static ClientConnector unixDomain(java.nio.file.Path socket) {
        return ClientConnector.forUnixDomain(socket);
    }

    HttpClient http() {
        return http;
    }

    Target target() {
        return target;
    }

    URI uri(String path) {
        return target.base().resolve(path.startsWith("/") ? path.substring(1) : path);
    }

    Answer get(String path) {
        return send("GET", path, null);
    }

    /** Sends a request; answers 2xx as they are, anything else as a {@link CliException} saying what the panel said. */
    Answer call(String method, String path, Object body) {
        Answer answer = send(method, path, body);
        if (answer.status() >= 300) {
            throw failure(answer);
        }
        return answer;
    }

    Answer send(String method, String path, Object body) {
        Request request = request(method, path);
        if (body != null) {
            try {
                request.body(new BytesRequestContent("application/json", Json.MAPPER.writeValueAsBytes(body)));
            } catch (IOException e) {
                throw new CliException(ExitCode.ERROR, e.getMessage());
            }
        }
        return answer(execute(request));
    }

    /** Uploads a file (template import, plugin install) as the request body. */
    Answer upload(String method, String path, String contentType, InputStream content) {
        Request request = request(method, path).body(new InputStreamRequestContent(contentType, content));
        Answer answer = answer(execute(request));
        if (answer.status() >= 300) {
            throw failure(answer);
        }
        return answer;
    }

    /** A request whose answer is read as it comes (a streamed exec): the caller reads and closes the stream. */
    InputStream stream(String method, String path, Object body) {
        Request request = request(method, path).timeout(0, TimeUnit.SECONDS).idleTimeout(0, TimeUnit.SECONDS);
        try {
            request.body(new BytesRequestContent("application/json", Json.MAPPER.writeValueAsBytes(body)));
            InputStreamResponseListener listener = new InputStreamResponseListener();
            request.send(listener);
            Response response = listener.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            InputStream in = listener.getInputStream();
            if (response.getStatus() >= 300) {
                throw failure(new Answer(response.getStatus(), in.readAllBytes(), null));
            }
            return in;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException(ExitCode.ERROR, "interrupted");
        } catch (TimeoutException e) {
            throw new CliException(ExitCode.ERROR, "the panel at " + target.describe() + " did not answer in " + TIMEOUT_SECONDS + " s");
        } catch (ExecutionException | IOException e) {
            throw unreachable(e);
        }
    }

    Request request(String method, String path) {
        // the panel's own origin: a command line is no browser, and login's session cookie must pass the CSRF check
        String origin = target.base().getScheme() + "://" + target.base().getRawAuthority();
        Request request = http.newRequest(uri(path)).method(method).timeout(TIMEOUT_SECONDS, TimeUnit.SECONDS)
                .headers(h -> h.put("Accept", "application/json").put("Origin", origin));
        if (target.token() != null) {
            request.headers(h -> h.put("Authorization", "Bearer " + target.token()));
        }
        return request;
    }

    private ContentResponse execute(Request request) {
        try {
            return request.send();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException(ExitCode.ERROR, "interrupted");
        } catch (TimeoutException e) {
            throw new CliException(ExitCode.ERROR, "the panel at " + target.describe() + " did not answer in " + TIMEOUT_SECONDS + " s");
        } catch (ExecutionException e) {
            throw unreachable(e);
        }
    }

    private CliException unreachable(Exception e) {
        Throwable cause = e.getCause() != null ? e.getCause() : e;
        String reason = cause instanceof ConnectException || cause instanceof java.nio.file.NoSuchFileException ? "connection refused"
                : cause instanceof javax.net.ssl.SSLHandshakeException ? "TLS: " + cause.getMessage()
                + (target.fingerprint() == null ? " (a self-signed panel? pass its --fingerprint, as the panel printed it at start)" : "")
                : cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
        if (cause instanceof java.net.SocketException && reason != null && reason.contains("Permission denied")) {
            reason = "permission denied (the socket is for root and the vessel group)";
        }
        return new CliException(ExitCode.ERROR, "cannot reach the panel at " + target.describe() + ": " + reason);
    }

    private static Answer answer(ContentResponse response) {
        return new Answer(response.getStatus(), response.getContent(), response.getHeaders().get("Location"));
    }

    /** The panel's problem document as one line: its detail, and the fields it named. */
    static CliException failure(Answer answer) {
        JsonNode problem = answer.json();
        String detail = problem.path("detail").asText(problem.path("title").asText(""));
        if (detail.isBlank()) {
            detail = "HTTP " + answer.status();
        }
        StringBuilder message = new StringBuilder(detail);
        for (JsonNode error : problem.path("errors")) {
            message.append("\n  ").append(error.path("field").asText()).append(": ").append(error.path("message").asText(error.path("reason").asText()));
        }
        return new CliException(ExitCode.ofStatus(answer.status()), message.toString());
    }

    private static SslContextFactory.Client tls(String fingerprint) {
        SslContextFactory.Client factory = new SslContextFactory.Client();
        if (fingerprint != null) {
            try {
                SSLContext context = SSLContext.getInstance("TLS");
                context.init(null, new TrustManager[] {new Pinned(normalise(fingerprint))}, null);
                factory.setSslContext(context);
                // the pinned certificate is the identity: the self-signed one names localhost, the user reaches the panel by any name
                factory.setEndpointIdentificationAlgorithm(null);
            } catch (GeneralSecurityException e) {
                throw new CliException(ExitCode.ERROR, "TLS: " + e.getMessage());
            }
        }
        return factory;
    }

    static String normalise(String fingerprint) {
        String hex = fingerprint.replaceFirst("(?i)^sha-?256:", "").replaceAll("[:\\s]", "").toUpperCase(Locale.ROOT);
        if (!hex.matches("[0-9A-F]{64}")) {
            throw new CliException(ExitCode.USAGE, "--fingerprint: a SHA-256 fingerprint is 32 hex pairs, e.g. AB:CD:…, as the panel prints it");
        }
        return hex;
    }

    static String fingerprintOf(X509Certificate certificate) throws GeneralSecurityException {
        return HexFormat.of().withUpperCase().formatHex(MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded()));
    }

    /**
     * Trusts exactly the certificate with the given fingerprint: with a pinned certificate the host name is not checked
     * (the self-signed one names localhost), so nothing else may pass, not even a CA-signed certificate.
     */
    private static final class Pinned implements X509TrustManager {
        private final String pinned;

        Pinned(String pinned) {
            this.pinned = pinned;
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            try {
                if (chain.length == 0 || !MessageDigest.isEqual(fingerprintOf(chain[0]).getBytes(StandardCharsets.US_ASCII),
                        pinned.getBytes(StandardCharsets.US_ASCII))) {
                    throw new CertificateException("the panel's certificate does not have the fingerprint given");
                }
            } catch (GeneralSecurityException e) {
                throw new CertificateException(e.getMessage(), e);
            }
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("not a server");
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }

    @Override
    public void close() {
        try {
            http.stop();
        } catch (Exception ignored) {
            // the process is ending
        }
    }

}
