package io.vessel.kernel.internal.linux;

import com.sun.jna.Library;
import com.sun.jna.Native;
import java.util.Hashtable;
import java.util.function.Consumer;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Under systemd ({@code NOTIFY_SOCKET} set, as for {@code Type=notify}), the panel's messages to it — {@code READY=1},
 * {@code WATCHDOG=1}, {@code STOPPING=1} — go through libsystemd's {@code sd_notify}: the protocol is a datagram on a
 * Unix socket, which Java cannot send. Offered to the launcher as a {@code Consumer<String>} with the property
 * {@code vessel.service.manager=systemd} (a JRE type, so the launcher needs none of this bundle's classes); not
 * registered at all elsewhere.
 */
@Component(immediate = true, service = {})
public final class ServiceManagerNotifier implements Consumer<String> {

    private static final Logger LOG = LoggerFactory.getLogger(ServiceManagerNotifier.class);

    /** libsystemd, by its soname: the unversioned libsystemd.so comes only with the -dev package. */
    interface Systemd extends Library {
        int sd_notify(int unsetEnvironment, String state);
    }

    private final ServiceRegistration<?> registration;
    private volatile Systemd systemd;

    @Activate
    public ServiceManagerNotifier(BundleContext context) {
        String socket = System.getenv("NOTIFY_SOCKET");
        if (socket == null || socket.isBlank()) {
            registration = null;
            return;
        }
        Hashtable<String, Object> properties = new Hashtable<>();
        properties.put("vessel.service.manager", "systemd");
        registration = context.registerService(Consumer.class.getName(), this, properties);
    }

    @Override
    public void accept(String state) {
        try {
            Systemd library = systemd;
            if (library == null) {
                library = Native.load("libsystemd.so.0", Systemd.class);
                systemd = library;
            }
            int sent = library.sd_notify(0, state);
            if (sent < 0) {
                LOG.warn("sd_notify failed state={} errno={}", state.replace('\n', ' '), -sent);
            }
        } catch (UnsatisfiedLinkError | RuntimeException e) {
            LOG.warn("sd_notify unavailable (libsystemd0 not installed?): {}", e.getMessage());
        }
    }

    @Deactivate
    void deactivate() {
        if (registration != null) {
            try {
                registration.unregister();
            } catch (IllegalStateException alreadyGone) {
                // the framework is stopping
            }
        }
    }
}
