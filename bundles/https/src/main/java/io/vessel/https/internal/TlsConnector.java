package io.vessel.https.internal;

import java.io.IOException;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.felix.http.jetty.ConnectorFactory;
import org.eclipse.jetty.alpn.server.ALPNServerConnectionFactory;
import org.eclipse.jetty.http2.server.HTTP2ServerConnectionFactory;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The panel's HTTPS connector on {@code https.port}, added to Felix's Jetty as a {@link ConnectorFactory} (Felix's
 * own HTTPS takes a key store path and restarts Jetty to change it, dropping every console and event stream).
 * HTTP/2 is offered through ALPN when the JDK's ALPN provider is there, HTTP/1.1 always. Every five seconds the
 * certificate files are compared with what is served; a renewed certificate is loaded into the running connector
 * (Jetty's {@code SslContextFactory.reload}): new handshakes get it, open connections go on. With the provider's
 * own certificate, responses carry HSTS; never with the self-signed one (a browser would then refuse the panel
 * for a year after the provider switches to another name).
 */
@Component(immediate = true, service = {})
public final class TlsConnector implements ConnectorFactory {

    private static final Logger LOG = LoggerFactory.getLogger(TlsConnector.class);
    private static final long HSTS_SECONDS = 365L * 24 * 3600;

    private final int port;
    private final String host;
    private final Certificates certificates;
    /** Waits for the certificate to be readable, then looks for renewals. */
    private final ScheduledExecutorService watcher = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "vessel-tls-certificates");
        t.setDaemon(true);
        return t;
    });
    private volatile java.util.concurrent.ScheduledFuture<?> waiting;
    private final BundleContext context;
    private volatile ServiceRegistration<ConnectorFactory> registration;
    private volatile SslContextFactory.Server tls;
    private volatile String served;

    @Activate
    public TlsConnector(BundleContext context) {
        ServiceLoaderMediation.initializeFieldEncoders();
        this.context = context;
        this.port = Integer.parseInt(property(context, "vessel.https.port", "0"));
        this.host = property(context, "vessel.https.host", "0.0.0.0");
        String certificate = context.getProperty("vessel.https.certificate");
        String key = context.getProperty("vessel.https.key");
        this.certificates = new Certificates(certificate == null ? null : Path.of(certificate), key == null ? null : Path.of(key),
                Path.of(property(context, "vessel.https.selfsigned.certificate", "data/tls/self-signed.crt")),
                Path.of(property(context, "vessel.https.selfsigned.key", "data/tls/self-signed.key")));
        if (port > 0) {
            // the launcher may still be making the self-signed certificate: register once it can be read
            waiting = watcher.scheduleWithFixedDelay(this::registerWhenReady, 0, 100, TimeUnit.MILLISECONDS);
        }
    }

    private static String property(BundleContext context, String name, String fallback) {
        String value = context.getProperty(name);
        return value == null || value.isBlank() ? fallback : value;
    }

    private void registerWhenReady() {
        if (registration != null) {
            java.util.concurrent.ScheduledFuture<?> task = waiting;
            if (task != null) {
                task.cancel(false); // registered on a run before the task was known: stop waiting now
            }
            return;
        }
        try {
            if (!certificates.ready() || context.getBundle(0).getState() == org.osgi.framework.Bundle.STOPPING) {
                return; // not yet; or never: a panel whose start failed is stopping
            }
            served = certificates.fingerprint();
            Dictionary<String, Object> properties = new Hashtable<>();
            properties.put("vessel.https.port", port);
            registration = context.registerService(ConnectorFactory.class, this, properties);
            // from now on only look for renewals, every five seconds (the next run of this task ends it)
            watcher.scheduleWithFixedDelay(this::reloadIfChanged, 5, 5, TimeUnit.SECONDS);
        } catch (IOException | RuntimeException e) {
            LOG.warn("HTTPS not served yet: {}", e.getMessage());
        }
    }

    private void reloadIfChanged() {
        SslContextFactory.Server current = tls;
        if (current == null || !certificates.ready()) {
            return;
        }
        try {
            String now = certificates.fingerprint();
            if (now.equals(served)) {
                return;
            }
            KeyStore renewed = certificates.load();
            current.reload(factory -> factory.setKeyStore(renewed));
            served = now;
            LOG.info("TLS certificate reloaded port={}", port);
        } catch (Exception e) {
            // a half-written renewal or a wrong key: keep serving the old certificate, try again in five seconds
            LOG.warn("TLS certificate not reloaded, still serving the previous one: {}", e.getMessage());
        }
    }

    @Override
    public Connector createConnector(Server server) {
        try {
            SslContextFactory.Server factory = new SslContextFactory.Server();
            factory.setKeyStore(certificates.load());
            factory.setKeyStorePassword(Certificates.STORE_PASSWORD);
            // The panel asks no client for a certificate, so it trusts no one: without a trust store of its own the
            // JDK would parse its ~150 bundled CA certificates at every start (a quarter of a second) for nothing.
            factory.setTrustStore(Certificates.emptyTrustStore());
            factory.setSniRequired(false);
            factory.setIncludeProtocols("TLSv1.3", "TLSv1.2");
            HttpConfiguration http = new HttpConfiguration();
            http.setSendServerVersion(false);
            http.setSendXPoweredBy(false);
            http.setSecureScheme("https");
            http.setSecurePort(port);
            SecureRequestCustomizer secure = new SecureRequestCustomizer();
            secure.setSniHostCheck(false); // the self-signed certificate names localhost; clients reach the panel by any name
            if (certificates.providersOwn()) {
                secure.setStsMaxAge(HSTS_SECONDS);
            }
            http.addCustomizer(secure);
            HttpConnectionFactory http1 = new HttpConnectionFactory(http);
            ServerConnector connector;
            try {
                HTTP2ServerConnectionFactory http2 = new HTTP2ServerConnectionFactory(http);
                ALPNServerConnectionFactory alpn = ServiceLoaderMediation.withBundleLoader(context, "org.eclipse.jetty.alpn.java.server",
                        ALPNServerConnectionFactory::new);
                alpn.setDefaultProtocol(http1.getProtocol());
                connector = new ServerConnector(server, new SslConnectionFactory(factory, alpn.getProtocol()), alpn, http2, http1);
            } catch (RuntimeException | LinkageError noAlpn) {
                LOG.info("HTTPS without HTTP/2 (no ALPN provider): {}", noAlpn.getMessage());
                connector = new ServerConnector(server, new SslConnectionFactory(factory, http1.getProtocol()), http1);
            }
            connector.setPort(port);
            connector.setHost(host);
            connector.setName("vessel-https");
            tls = factory;
            LOG.info("HTTPS connector host={} port={} certificate={}", host, port, certificates.providersOwn() ? "configured" : "self-signed");
            return connector;
        } catch (IOException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    @Deactivate
    void deactivate() {
        // not shutdownNow: an interrupt would reach Jetty starting the connector inside registerService
        watcher.shutdown();
        try {
            watcher.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        ServiceRegistration<ConnectorFactory> r = registration;
        if (r != null) {
            try {
                r.unregister();
            } catch (IllegalStateException alreadyGone) {
                // the framework is stopping
            }
        }
    }
}
