package io.vessel.kernel.internal.channel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;

/**
 * The node channel's trust over a real TLS connection (the JDK's HTTPS server and client, as the channel uses them):
 * only certificates the provider's CA issued to a node get through, a revoked one no longer does, and the CA signs
 * only a request that its own key signed and that names the node asking.
 */
class ChannelTrustTest {

    private record Issued(KeyPair keys, X509Certificate certificate) {
    }

    private static Issued issue(UUID node, X509Certificate ca, KeyPair caKeys) throws GeneralSecurityException {
        KeyPair keys = ChannelCertificates.newKeyPair();
        return new Issued(keys, ChannelCertificates.sign(ChannelCertificates.request(keys, node), node, ca, caKeys.getPrivate()));
    }

    @Test
    void onlyNodesOfTheProvidersCaThatAreNotRevokedGetThrough() throws Exception {
        KeyPair caKeys = ChannelCertificates.newKeyPair();
        X509Certificate ca = ChannelCertificates.newCa(caKeys, UUID.randomUUID());
        UUID serverNode = UUID.randomUUID();
        UUID clientNode = UUID.randomUUID();
        Issued server = issue(serverNode, ca, caKeys);
        Issued client = issue(clientNode, ca, caKeys);
        assertEquals(clientNode, ChannelCertificates.nodeOf(client.certificate()));
        // PEM round trips: what the node keeps in its files reads back the same
        assertEquals(client.certificate(), ChannelCertificates.certificate(ChannelCertificates.pem(client.certificate())));
        assertEquals(client.keys().getPrivate(), ChannelCertificates.privateKey(ChannelCertificates.pem(client.keys().getPrivate())));

        AtomicReference<ChannelTrust.Revocations> revoked = new AtomicReference<>(ChannelTrust.Revocations.NONE);
        SSLContext serverTls = ChannelTrust.context(server.keys().getPrivate(), server.certificate(), ca, revoked::get);
        HttpsServer https = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        https.setHttpsConfigurator(new HttpsConfigurator(serverTls) {
            @Override
            public void configure(HttpsParameters parameters) {
                javax.net.ssl.SSLParameters tls = serverTls.getDefaultSSLParameters();
                tls.setNeedClientAuth(true);
                parameters.setSSLParameters(tls);
            }
        });
        https.createContext("/", exchange -> {
            X509Certificate peer = (X509Certificate) ((HttpsExchange) exchange).getSSLSession().getPeerCertificates()[0];
            byte[] body = String.valueOf(ChannelCertificates.nodeOf(peer)).getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        https.start();
        try {
            URI uri = URI.create("https://127.0.0.1:" + https.getAddress().getPort() + "/");
            HttpClient trusted = HttpClient.newBuilder().sslContext(ChannelTrust.context(client.keys().getPrivate(), client.certificate(), ca,
                    () -> ChannelTrust.Revocations.NONE)).build();
            HttpResponse<String> answer = trusted.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(clientNode.toString(), answer.body(), "the server knows the caller by its certificate");
            X509Certificate serverPeer = (X509Certificate) answer.sslSession().orElseThrow().getPeerCertificates()[0];
            assertEquals(serverNode, ChannelCertificates.nodeOf(serverPeer), "and the caller knows the server");

            // a certificate of another CA, and no certificate at all, are refused in the handshake
            KeyPair otherCaKeys = ChannelCertificates.newKeyPair();
            X509Certificate otherCa = ChannelCertificates.newCa(otherCaKeys, UUID.randomUUID());
            Issued stranger = issue(clientNode, otherCa, otherCaKeys);
            HttpClient strangers = HttpClient.newBuilder().sslContext(presenting(stranger, otherCa)).build();
            assertThrows(java.io.IOException.class, () -> strangers.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString()));
            SSLContext anonymous = SSLContext.getInstance("TLSv1.3");
            anonymous.init(null, new javax.net.ssl.TrustManager[] {ChannelTrustTest.trustAll()}, null);
            assertThrows(java.io.IOException.class, () -> HttpClient.newBuilder().sslContext(anonymous).build()
                    .send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString()));

            // revoked: the next connection of that node is refused
            revoked.set(new ChannelTrust.Revocations(Set.of(ChannelCertificates.serialOf(client.certificate())), Set.of()));
            HttpClient again = HttpClient.newBuilder().sslContext(ChannelTrust.context(client.keys().getPrivate(), client.certificate(), ca,
                    () -> ChannelTrust.Revocations.NONE)).build();
            assertThrows(java.io.IOException.class, () -> again.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString()));
            revoked.set(new ChannelTrust.Revocations(Set.of(), Set.of(clientNode)));
            assertThrows(java.io.IOException.class, () -> HttpClient.newBuilder().sslContext(ChannelTrust.context(client.keys().getPrivate(),
                    client.certificate(), ca, () -> ChannelTrust.Revocations.NONE)).build().send(HttpRequest.newBuilder(uri).build(),
                    HttpResponse.BodyHandlers.ofString()), "a node shut out is refused whatever certificate it has");
        } finally {
            https.stop(0);
        }
    }

    @Test
    void theCaSignsOnlyARequestSignedByItsOwnKeyForTheNodeItNames() throws Exception {
        KeyPair caKeys = ChannelCertificates.newKeyPair();
        X509Certificate ca = ChannelCertificates.newCa(caKeys, UUID.randomUUID());
        UUID node = UUID.randomUUID();
        KeyPair keys = ChannelCertificates.newKeyPair();
        String request = ChannelCertificates.request(keys, node);
        GeneralSecurityException otherNode = assertThrows(GeneralSecurityException.class,
                () -> ChannelCertificates.sign(request, UUID.randomUUID(), ca, caKeys.getPrivate()));
        assertTrue(otherNode.getMessage().contains("not node"), otherNode.getMessage());
        // a request whose signature does not match its key (tampered on the way): the body says so
        String tampered = request.replace(request.substring(100, 104), request.charAt(100) == 'A' ? "BBBB" : "AAAA");
        assertThrows(GeneralSecurityException.class, () -> ChannelCertificates.sign(tampered, node, ca, caKeys.getPrivate()));
        assertThrows(GeneralSecurityException.class, () -> ChannelCertificates.sign("not a request", node, ca, caKeys.getPrivate()));
        X509Certificate issued = ChannelCertificates.sign(request, node, ca, caKeys.getPrivate());
        issued.verify(ca.getPublicKey());
        assertEquals(-1, issued.getBasicConstraints(), "a node certificate is never a CA");
        assertTrue(issued.getExtendedKeyUsage().containsAll(java.util.List.of("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2")));
    }

    /** A client that presents {@code who}'s certificate (chain up to {@code ca}) and trusts any server. */
    private static SSLContext presenting(Issued who, X509Certificate ca) throws Exception {
        java.security.KeyStore store = java.security.KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry("node", who.keys().getPrivate(), "x".toCharArray(), new X509Certificate[] {who.certificate(), ca});
        javax.net.ssl.KeyManagerFactory keys = javax.net.ssl.KeyManagerFactory.getInstance(javax.net.ssl.KeyManagerFactory.getDefaultAlgorithm());
        keys.init(store, "x".toCharArray());
        SSLContext context = SSLContext.getInstance("TLSv1.3");
        context.init(keys.getKeyManagers(), new javax.net.ssl.TrustManager[] {trustAll()}, null);
        return context;
    }

    static javax.net.ssl.X509TrustManager trustAll() {
        return new javax.net.ssl.X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        };
    }
}
