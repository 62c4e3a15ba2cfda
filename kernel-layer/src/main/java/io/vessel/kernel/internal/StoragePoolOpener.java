package io.vessel.kernel.internal;

import io.vessel.kernel.internal.storage.BtrfsPool;
import io.vessel.kernel.internal.storage.StorageDriver;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens the storage pool as soon as the kernel layer starts, on a thread of its own. At a first start that means
 * making the pool image's file system and mounting it (more than half a second), which needs neither the database
 * nor anything else VE support waits for; so it overlaps the database's start instead of following it.
 *
 * <p>A pool that this start mounted and VE support never took (the panel gave up before: no database, say) is
 * unmounted again when the panel stops: a start that failed leaves no mount behind.
 */
@Component(service = StoragePoolOpener.class, immediate = true, configurationPid = KernelConfig.PID)
public final class StoragePoolOpener {

    private static final Logger LOG = LoggerFactory.getLogger(StoragePoolOpener.class);

    private final CompletableFuture<StorageDriver> pool = new CompletableFuture<>();
    private final Thread opener;
    private volatile boolean taken;

    @Activate
    public StoragePoolOpener(BundleContext context, KernelConfig config, @Reference HostCapabilitiesProbe probe) {
        boolean panelOnly = io.vessel.kernel.api.Node.PANEL.equals(context.getProperty("vessel.role"));
        opener = new Thread(() -> {
            try {
                if (panelOnly) {
                    throw new IllegalStateException("a panel without VEs (server.role = panel) opens no storage pool");
                }
                pool.complete(KernelComponent.openStorage(config, probe.capabilities(), KernelComponent.dataDir(context)));
            } catch (Exception | LinkageError e) {
                pool.completeExceptionally(e);
            }
        }, "vessel-storage-open");
        opener.setDaemon(true);
        opener.start();
    }

    /** The opened pool, now VE support's; throws what opening it threw. */
    StorageDriver pool() throws Exception {
        taken = true;
        try {
            return pool.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof Exception cause) {
                throw cause;
            }
            throw e;
        }
    }

    @Deactivate
    void deactivate() throws InterruptedException {
        opener.join(TimeUnit.SECONDS.toMillis(60));
        StorageDriver opened = pool.getNow(null);
        if (!taken && opened instanceof BtrfsPool btrfs && btrfs.mountedWhenOpened()) {
            try {
                btrfs.unmount();
                LOG.info("Storage pool unmounted: the panel stopped before VE support started pool={}", btrfs.root());
            } catch (IOException e) {
                LOG.warn("Storage pool left mounted pool={}: {}", btrfs.root(), e.getMessage());
            }
        }
    }
}
