package io.vessel.kernel.internal.channel;

import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * Who a node talks to over the channel: a peer whose certificate the provider's CA signed for a node, that is not
 * revoked and whose node is not shut out. Host names play no part (nodes are known by their ids, which their
 * certificates name); the caller checks that the peer is the node it meant to reach.
 */
final class ChannelTrust {

    /** What is refused at once: revoked certificates (serials) and nodes the provider shut out. */
    record Revocations(Set<String> serials, Set<UUID> nodes) {
        static final Revocations NONE = new Revocations(Set.of(), Set.of());

        boolean refuses(X509Certificate certificate) {
            UUID node = ChannelCertificates.nodeOf(certificate);
            return node == null || nodes.contains(node) || serials.contains(ChannelCertificates.serialOf(certificate));
        }
    }

    private ChannelTrust() {
    }

    /** TLS with this node's key and certificate, trusting the CA's node certificates that {@code revocations} allows. */
    static SSLContext context(java.security.PrivateKey key, X509Certificate certificate, X509Certificate ca, Supplier<Revocations> revocations)
            throws GeneralSecurityException {
        try {
            char[] password = "vessel-in-memory".toCharArray();
            KeyStore own = KeyStore.getInstance("PKCS12");
            own.load(null, null);
            own.setKeyEntry("node", key, password, new X509Certificate[] {certificate, ca});
            KeyManagerFactory keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keyManagers.init(own, password);
            KeyStore trusted = KeyStore.getInstance("PKCS12");
            trusted.load(null, null);
            trusted.setCertificateEntry("ca", ca);
            TrustManagerFactory pkix = TrustManagerFactory.getInstance("PKIX");
            pkix.init(trusted);
            X509TrustManager chain = (X509TrustManager) pkix.getTrustManagers()[0];
            SSLContext context = SSLContext.getInstance("TLSv1.3");
            context.init(keyManagers.getKeyManagers(), new TrustManager[] {new NodesOnly(chain, revocations)}, null);
            return context;
        } catch (java.io.IOException e) {
            throw new GeneralSecurityException(e.getMessage(), e);
        }
    }

    /** The CA's chain check, then the channel's own: a node certificate, not revoked. */
    private static final class NodesOnly extends X509ExtendedTrustManager {
        private final X509TrustManager chain;
        private final Supplier<Revocations> revocations;

        NodesOnly(X509TrustManager chain, Supplier<Revocations> revocations) {
            this.chain = chain;
            this.revocations = revocations;
        }

        private void check(X509Certificate[] peer, String authType, boolean client) throws CertificateException {
            if (client) {
                chain.checkClientTrusted(peer, authType);
            } else {
                chain.checkServerTrusted(peer, authType);
            }
            if (revocations.get().refuses(peer[0])) {
                throw new CertificateException("the peer's certificate (node " + ChannelCertificates.nodeOf(peer[0]) + ", serial "
                        + ChannelCertificates.serialOf(peer[0]) + ") is revoked or names no node");
            }
        }

        @Override
        public void checkClientTrusted(X509Certificate[] peer, String authType) throws CertificateException {
            check(peer, authType, true);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] peer, String authType) throws CertificateException {
            check(peer, authType, false);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] peer, String authType, Socket socket) throws CertificateException {
            check(peer, authType, true);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] peer, String authType, Socket socket) throws CertificateException {
            check(peer, authType, false);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] peer, String authType, SSLEngine engine) throws CertificateException {
            check(peer, authType, true);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] peer, String authType, SSLEngine engine) throws CertificateException {
            check(peer, authType, false);
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return chain.getAcceptedIssuers();
        }
    }
}
