package io.vessel.misbehaving.internal;

import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;

/** Throws at start when the bundle's manifest has {@code X-Vessel-Fixture-Fail: activator}. */
public final class Activator implements BundleActivator {

    @Override
    public void start(BundleContext context) {
        if ("activator".equals(context.getBundle().getHeaders().get("X-Vessel-Fixture-Fail"))) {
            throw new IllegalStateException("told to fail in its activator");
        }
    }

    @Override
    public void stop(BundleContext context) {
    }
}
