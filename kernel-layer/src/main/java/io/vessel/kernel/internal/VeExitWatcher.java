package io.vessel.kernel.internal;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.OptionalInt;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.IntConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches the directory where VE monitors record how a VE's init ended (inotify through the JDK's WatchService), so a
 * {@code reboot} or {@code poweroff} inside a VE shows in the panel within a moment. Each exit is handed to
 * {@code onExit} on a worker thread: handling one (a reboot starts the VE again) never delays noticing another.
 */
final class VeExitWatcher implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(VeExitWatcher.class);

    private final Path directory;
    private final IntConsumer onExit;
    private final WatchService watcher;
    private final ExecutorService handlers = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "vessel-ve-exit");
        t.setDaemon(true);
        return t;
    });
    private final Thread thread;

    VeExitWatcher(Path directory, IntConsumer onExit) throws IOException {
        this.directory = Files.createDirectories(directory);
        this.onExit = onExit;
        this.watcher = directory.getFileSystem().newWatchService();
        directory.register(watcher, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY);
        this.thread = new Thread(this::watch, "vessel-ve-exit-watcher");
        thread.setDaemon(true);
        thread.start();
        rescan(); // exits recorded before the watch began (between the panel's reconcile and now)
    }

    private void watch() {
        while (true) {
            WatchKey key;
            try {
                key = watcher.take();
            } catch (InterruptedException | ClosedWatchServiceException stopped) {
                return;
            }
            for (WatchEvent<?> event : key.pollEvents()) {
                if (event.kind() == StandardWatchEventKinds.OVERFLOW) {
                    rescan();
                } else {
                    dispatch(event.context().toString());
                }
            }
            if (!key.reset()) {
                LOG.error("The VE exit directory is gone; in-VE reboots are noticed at the next panel start dir={}", directory);
                return;
            }
        }
    }

    private void rescan() {
        try (DirectoryStream<Path> present = Files.newDirectoryStream(directory)) {
            for (Path file : present) {
                dispatch(file.getFileName().toString());
            }
        } catch (IOException e) {
            LOG.warn("Cannot list the VE exit directory: {}", e.getMessage());
        }
    }

    private void dispatch(String name) {
        OptionalInt ve = VeManager.veOfContainer(name);
        if (ve.isPresent()) {
            handlers.execute(() -> {
                try {
                    onExit.accept(ve.getAsInt());
                } catch (RuntimeException e) {
                    LOG.warn("Handling the end of ve={} failed: {}", ve.getAsInt(), e.getMessage(), e);
                }
            });
        }
    }

    @Override
    public void close() {
        try {
            watcher.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        thread.interrupt();
        handlers.shutdownNow();
    }
}
