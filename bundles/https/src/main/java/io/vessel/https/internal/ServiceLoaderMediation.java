package io.vessel.https.internal;

import java.util.function.Supplier;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.wiring.BundleWiring;

/**
 * The two {@link java.util.ServiceLoader} lookups of Jetty that matter to the panel, made to find their providers.
 *
 * <p>Why by hand: the Felix Jetty bundle and Jetty's ALPN, WebSocket, webapp and XML bundles require an OSGi Service
 * Loader Mediator ({@code osgi.serviceloader.processor} and {@code .registrar}). The usual one, Aries SPI Fly, weaves
 * every class those bundles load to find their {@code ServiceLoader} calls: for the Felix Jetty bundle, which embeds
 * Jetty, that is hundreds of classes parsed and rewritten with ASM at every start, about a tenth of the panel's
 * start-up CPU (its static weaving tool would do it at build time, but is not in the package mirror). What that
 * mediation buys here is two lookups: the HTTP field pre-encoders (HTTP/1 and HTTP/2's HPACK, providers inside the
 * Jetty bundle itself) and the ALPN processor (in the ALPN bundle). {@code ServiceLoader.load(Class)} looks in the
 * thread's context class loader, so this bundle sets it for those two and declares the mediator capabilities in its
 * manifest in SPI Fly's place. (Jetty's other lookups, for credential providers and authenticators, have nothing to
 * find here either way.)
 */
final class ServiceLoaderMediation {

    private ServiceLoaderMediation() {
    }

    /**
     * Loads Jetty's {@code PreEncodedHttpField} with the Jetty bundle as context loader, so its static initializer
     * finds the HTTP/1.0, HTTP/1.1 and HPACK pre-encoders. Must run before Jetty starts (this bundle starts first):
     * a class is initialized once, by whoever touches it first.
     */
    static void initializeFieldEncoders() {
        ClassLoader jetty = org.eclipse.jetty.server.Server.class.getClassLoader();
        withContextLoader(jetty, () -> {
            try {
                return Class.forName("org.eclipse.jetty.http.PreEncodedHttpField", true, jetty);
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException("Jetty without PreEncodedHttpField: " + e.getMessage(), e);
            }
        });
    }

    /** Runs {@code work} with the class loader of the bundle {@code symbolicName} (if installed) as context loader. */
    static <T> T withBundleLoader(BundleContext context, String symbolicName, Supplier<T> work) {
        for (Bundle bundle : context.getBundles()) {
            if (symbolicName.equals(bundle.getSymbolicName())) {
                BundleWiring wiring = bundle.adapt(BundleWiring.class);
                if (wiring != null) {
                    return withContextLoader(wiring.getClassLoader(), work);
                }
            }
        }
        return work.get();
    }

    private static <T> T withContextLoader(ClassLoader loader, Supplier<T> work) {
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(loader);
        try {
            return work.get();
        } finally {
            thread.setContextClassLoader(previous);
        }
    }
}
