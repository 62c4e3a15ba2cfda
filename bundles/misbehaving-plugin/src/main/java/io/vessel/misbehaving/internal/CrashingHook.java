package io.vessel.misbehaving.internal;

import io.vessel.kernel.api.hook.VeLifecycleEvent;
import io.vessel.kernel.api.hook.VeLifecycleHook;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.osgi.service.component.annotations.Component;

/**
 * Fails open: before a start of a VE whose host name begins with {@code crash} it throws, which must not stop the
 * start. After each start it appends the VE id to the file named by the environment variable
 * {@code VESSEL_FIXTURE_AFTER_LOG} (when set), so tests see that after-hooks are told; after a start of a
 * {@code crash…} VE it throws there too, which must change nothing.
 */
@Component(service = VeLifecycleHook.class, property = {
        VeLifecycleHook.NAME + "=lenient-policy",
        VeLifecycleHook.ACTIONS + "=START",
        VeLifecycleHook.ON_FAILURE + "=allow"})
public final class CrashingHook implements VeLifecycleHook {

    @Override
    public void before(VeLifecycleEvent event) {
        if (event.hostname() != null && event.hostname().startsWith("crash")) {
            throw new IllegalStateException("lenient-policy crashed on purpose");
        }
    }

    @Override
    public void after(VeLifecycleEvent event) {
        if (event.hostname() != null && event.hostname().startsWith("crash")) {
            throw new IllegalStateException("lenient-policy crashed after the start on purpose");
        }
        String log = System.getenv("VESSEL_FIXTURE_AFTER_LOG");
        if (log != null) {
            try {
                Files.writeString(Path.of(log), event.action() + " " + event.veId() + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
