package io.vessel.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vessel.launcher.Installation;
import io.vessel.launcher.SigningRequest;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bin/vessel node join} (also {@code vesselctl node join}): makes this server a node of an installation, with
 * the one-time token the provider created ({@code vesselctl node enrol} or the admin panel's "Add a node…"). The node's
 * key is made here and never leaves {@code data/channel/}; the panel signs the node's request with the provider's CA
 * and tells it which database the installation shares, which goes into this server's configuration. The panel is
 * trusted by the fingerprint of its certificate when one is given (its self-signed certificate), else by the system's
 * CAs. Run it before the node's first start (or, to readmit a node, while it runs: it takes the new certificate up).
 */
@Command(name = "join", description = {"Make this server a node of an installation, with a one-time enrolment token.",
        "The token and the whole command come from: vesselctl node enrol (on the panel)."})
final class NodeJoin extends ApiCommand {

    @Option(names = "--panel", required = true, paramLabel = "URL", description = "The panel's address, e.g. https://panel.example.com:8443")
    String panel;

    @Option(names = "--with-panel", description = {"This server runs a panel too (web, API, billing…) and so uses the panels' database role.",
            "Without it a new server is a node agent: VEs only, no web tier, and a database role of its own that sees only this node's rows;",
            "a server readmitted keeps what it was."})
    boolean withPanel;

    @Option(names = "--panel-only", description = {"This server runs a panel without VEs of its own (server.role = panel): web, API,",
            "billing… for the node agents' VEs; it need not run as root. It uses the panels' database role."})
    boolean panelOnly;

    @Option(names = "--home", paramLabel = "DIR", description = "The Vessel installation to configure (default: this one).")
    Path home;

    @Override
    int run() {
        // --token and --fingerprint are vesselctl's own options (inherited): here the enrolment token, and the
        // fingerprint of the panel's certificate (without it, the system's CAs must trust the panel)
        String token = root().token;
        if (token == null || token.isBlank()) {
            throw new CliException(ExitCode.USAGE, "node join needs --token with the enrolment token (vesselctl node enrol prints the command)");
        }
        URI base = panelUri();
        byte[] pinned = pinned();
        Installation installation;
        String node;
        try {
            installation = Installation.load(home(), environment());
            node = installation.ensureNodeId();
            if (withPanel && panelOnly) {
                throw new CliException(ExitCode.USAGE, "--with-panel (a panel and VEs) and --panel-only (a panel without VEs) exclude each other");
            }
            // a node readmitted (its id known, its certificate revoked) keeps what it was; a new server is an agent
            withPanel = withPanel || joinedBefore(installation) && "all".equals(installation.role());
            panelOnly = panelOnly || joinedBefore(installation) && "panel".equals(installation.role()) && !withPanel;
        } catch (IOException e) {
            throw new CliException(ExitCode.ERROR, e.getMessage());
        }
        KeyPair keys = keyPair();
        String body;
        try {
            body = new ObjectMapper().writeValueAsString(Map.of("token", token.strip(), "node", node, "request", request(keys, node),
                    "role", panelOnly ? "panel" : withPanel ? "all" : "node-agent"));
        } catch (IOException e) {
            throw new CliException(ExitCode.ERROR, "the request cannot be written: " + e.getMessage());
        }
        JsonNode joined = post(base.resolve("/api/v1/nodes/join"), body, pinned);
        Path channel = installation.dataDir().resolve("channel");
        String sharedKeys = null;
        try {
            writePrivate(channel, "node-key.pem", SigningRequest.privateKeyPem(keys.getPrivate()));
            writePrivate(channel, "node-certificate.pem", joined.path("certificate").asText());
            JsonNode database = joined.path("database");
            Map<String, String> options = new LinkedHashMap<>();
            for (String name : new String[] {"url", "schema", "user", "password"}) {
                String value = database.path(name).asText("");
                if (!value.isEmpty()) {
                    options.put("database." + name, value);
                }
            }
            // an older panel answers without a role: it handed out its own database role, so this server runs everything
            options.put("server.role", joined.path("role").asText("all"));
            sharedKeys = installationKeys(installation.dataDir().resolve("keys"), joined.path("keys"));
            installation.setOptions(options, "the installation's database and this server's role, written by node join (" + base + ")");
        } catch (IOException e) {
            throw new CliException(ExitCode.ERROR, "joined, but this server's files could not be written: " + e.getMessage()
                    + "; ask the provider for a new token and run node join again");
        }
        root().out().println("This server joined " + base + " as node " + node + ".");
        root().out().println("  certificate: serial " + joined.path("serial").asText() + ", valid until " + joined.path("notAfter").asText()
                + " (" + channel.resolve("node-certificate.pem") + ")");
        root().out().println("  database:    " + joined.at("/database/url").asText() + (joined.at("/database/schema").asText("").isEmpty() ? ""
                : ", schema " + joined.at("/database/schema").asText()) + " (in " + installation.confFile() + ")");
        if (sharedKeys != null) {
            root().out().println("  keys:        " + sharedKeys);
        }
        String role = joined.path("role").asText("all");
        root().out().println("  role:        " + switch (role) {
            case "node-agent" -> "node agent (VEs only; database role " + joined.at("/database/user").asText() + ", limited to this node's rows)";
            case "panel" -> "panel without VEs (web and API for the node agents' VEs; runs as an ordinary user)";
            default -> "panel and node (web, API and VEs)";
        });
        root().out().println("Start the node: systemctl start vessel (or bin/vessel).");
        root().out().flush();
        return ExitCode.OK;
    }

    /** Whether this server joined an installation before: node join wrote the installation's database into its configuration. */
    private static boolean joinedBefore(Installation installation) {
        return installation.configures("database.url");
    }

    @Option(names = "--conf", paramLabel = "FILE", description = "The configuration file to write the database into (default: VESSEL_CONF, "
            + "else /etc/vessel/vessel.conf for the Debian package, else conf/vessel.conf of the installation).")
    Path conf;

    /** The environment the node will start with: its configuration file as the package's systemd unit names it. */
    private Map<String, String> environment() {
        Map<String, String> environment = new java.util.HashMap<>(System.getenv());
        Path packaged = Path.of("/etc/vessel/vessel.conf");
        if (conf != null) {
            environment.put("VESSEL_CONF", conf.toAbsolutePath().toString());
        } else if (!environment.containsKey("VESSEL_CONF") && home().startsWith("/usr") && Files.exists(packaged)) {
            environment.put("VESSEL_CONF", packaged.toString());
        }
        return environment;
    }

    private Path home() {
        if (home != null) {
            return home.toAbsolutePath().normalize();
        }
        String installed = System.getProperty("vessel.home");
        return Path.of(installed == null ? "." : installed).toAbsolutePath().normalize();
    }

    /** The panel's address; plain HTTP only to this machine itself (the token and the database's password travel). */
    private URI panelUri() {
        URI uri;
        try {
            uri = URI.create(panel.strip().replaceAll("/+$", ""));
        } catch (IllegalArgumentException e) {
            throw new CliException(ExitCode.USAGE, "--panel: '" + panel + "' is not an address like https://panel.example.com:8443");
        }
        if (uri.getHost() == null || !"https".equals(uri.getScheme()) && !"http".equals(uri.getScheme())) {
            throw new CliException(ExitCode.USAGE, "--panel: '" + panel + "' is not an address like https://panel.example.com:8443");
        }
        if ("http".equals(uri.getScheme()) && !loopback(uri.getHost())) {
            throw new CliException(ExitCode.USAGE, "--panel: join over https://, never plain http:// across the network: the token and the "
                    + "database's password travel in the answer");
        }
        return uri;
    }

    private static boolean loopback(String host) {
        try {
            return InetAddress.getByName(host.replace("[", "").replace("]", "")).isLoopbackAddress();
        } catch (IOException e) {
            return false;
        }
    }

    private byte[] pinned() {
        String fingerprint = root().fingerprint;
        if (fingerprint == null || fingerprint.isBlank()) {
            return null;
        }
        String hex = fingerprint.strip().toLowerCase(Locale.ROOT).replaceFirst("^sha-?256:", "").replace(":", "");
        if (!hex.matches("[0-9a-f]{64}")) {
            throw new CliException(ExitCode.USAGE, "--fingerprint: expected sha256: and 64 hex digits (as the panel's start and "
                    + "vesselctl node enrol print it)");
        }
        return HexFormat.of().parseHex(hex);
    }

    private static KeyPair keyPair() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new CliException(ExitCode.ERROR, "no EC key could be made: " + e.getMessage());
        }
    }

    /** The PKCS#10 request the CA signs: subject CN=<node id>, signed by the node's own key. */
    private static String request(KeyPair keys, String node) {
        try {
            return SigningRequest.pem(keys, node);
        } catch (GeneralSecurityException e) {
            throw new CliException(ExitCode.ERROR, "the signing request cannot be made: " + e.getMessage());
        }
    }

    private JsonNode post(URI uri, String body, byte[] pinned) {
        HttpClient.Builder http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10));
        if (pinned != null) {
            http.sslContext(pinning(pinned));
        }
        HttpResponse<String> response;
        try {
            response = http.build().send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(90)).header("Content-Type", "application/json")
                    .header("Accept", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (ConnectException e) {
            throw new CliException(ExitCode.ERROR, "cannot reach the panel at " + panel + ": connection refused");
        } catch (javax.net.ssl.SSLException e) {
            throw new CliException(ExitCode.ERROR, "the panel at " + panel + " is not trusted: " + e.getMessage()
                    + (pinned == null ? " (pass --fingerprint sha256:… as vesselctl node enrol printed it)" : ""));
        } catch (IOException e) {
            throw new CliException(ExitCode.ERROR, "cannot reach the panel at " + panel + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException(ExitCode.ERROR, "interrupted");
        }
        JsonNode answer;
        try {
            answer = new ObjectMapper().readTree(response.body());
        } catch (IOException e) {
            answer = null;
        }
        if (response.statusCode() != 200 || answer == null) {
            String detail = answer != null && answer.hasNonNull("detail") ? answer.get("detail").asText() : "HTTP " + response.statusCode();
            throw new CliException(ExitCode.ofStatus(response.statusCode()), "the panel refused to enrol this server: " + detail);
        }
        return answer;
    }

    /** Trusts the one server certificate whose SHA-256 is {@code pinned}, whatever name it carries. */
    private static SSLContext pinning(byte[] pinned) {
        X509ExtendedTrustManager trust = new X509ExtendedTrustManager() {
            private void check(X509Certificate[] chain) throws CertificateException {
                try {
                    if (chain == null || chain.length == 0 || !MessageDigest.isEqual(pinned,
                            MessageDigest.getInstance("SHA-256").digest(chain[0].getEncoded()))) {
                        throw new CertificateException("the panel's certificate does not have the fingerprint given with --fingerprint");
                    }
                } catch (GeneralSecurityException e) {
                    throw new CertificateException(e.getMessage(), e);
                }
            }

            @Override public void checkServerTrusted(X509Certificate[] chain, String type) throws CertificateException { check(chain); }
            @Override public void checkServerTrusted(X509Certificate[] chain, String type, Socket s) throws CertificateException { check(chain); }
            @Override public void checkServerTrusted(X509Certificate[] chain, String type, SSLEngine e) throws CertificateException { check(chain); }
            @Override public void checkClientTrusted(X509Certificate[] chain, String type) throws CertificateException { throw new CertificateException("client"); }
            @Override public void checkClientTrusted(X509Certificate[] chain, String type, Socket s) throws CertificateException { throw new CertificateException("client"); }
            @Override public void checkClientTrusted(X509Certificate[] chain, String type, SSLEngine e) throws CertificateException { throw new CertificateException("client"); }
            @Override public X509Certificate[] getAcceptedIssuers() { return new X509Certificate[0]; }
        };
        try {
            SSLContext tls = SSLContext.getInstance("TLS");
            tls.init(null, new TrustManager[] {trust}, null);
            return tls;
        } catch (GeneralSecurityException e) {
            throw new CliException(ExitCode.ERROR, "TLS unavailable: " + e.getMessage());
        }
    }

    /**
     * The installation's keys a panel joining gets (every panel must open what another sealed), written into this
     * server's {@code data/keys}; a key this server already has is kept (what it sealed stays readable) and named, so
     * the provider can tell. Answers what was done, or null when the answer brought none (a node agent's).
     */
    private static String installationKeys(Path dir, JsonNode keys) throws IOException {
        if (!keys.isObject()) {
            return null;
        }
        java.util.List<String> written = new java.util.ArrayList<>();
        java.util.List<String> kept = new java.util.ArrayList<>();
        for (java.util.Iterator<Map.Entry<String, JsonNode>> it = keys.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> key = it.next();
            if (!key.getKey().matches("[a-z0-9-]{1,64}\\.key")) {
                continue;
            }
            byte[] bytes = java.util.Base64.getDecoder().decode(key.getValue().asText());
            Path file = dir.resolve(key.getKey());
            if (Files.exists(file) && !java.util.Arrays.equals(Files.readAllBytes(file), bytes)) {
                kept.add(key.getKey());
            } else if (!Files.exists(file)) {
                writePrivate(dir, key.getKey(), bytes);
                written.add(key.getKey());
            }
        }
        return "the installation's " + (written.isEmpty() ? "keys were here already" : String.join(", ", written)) + " (in " + dir + ")"
                + (kept.isEmpty() ? "" : "; kept this server's own " + String.join(", ", kept) + ", which differ from the installation's:"
                + " what the other panels sealed with them does not open here");
    }

    private static void writePrivate(Path dir, String name, String text) throws IOException {
        writePrivate(dir, name, text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /** Writes a file only its owner reads, in a directory only its owner enters, replacing the old one in one step. */
    private static void writePrivate(Path dir, String name, byte[] bytes) throws IOException {
        Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        Path temporary = Files.createTempFile(dir, ".join-", ".tmp", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try {
            Files.write(temporary, bytes);
            Files.move(temporary, dir.resolve(name), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(temporary);
        }
    }
}
