package io.vessel.backup.internal;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * How far a restore is: restic 0.14's {@code restore} prints no progress a program can read, so the bytes already
 * written into the restore's tree are counted every few seconds (a walk of the tree, which only the panel sees).
 */
final class RestoreProgress implements AutoCloseable {

    interface Listener {
        void written(long bytes, long total);
    }

    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "vessel-restore-progress");
        t.setDaemon(true);
        return t;
    });

    RestoreProgress(Path tree, long total, Listener listener) {
        timer.scheduleWithFixedDelay(() -> listener.written(bytesIn(tree), total), 0, 3, TimeUnit.SECONDS);
    }

    static long bytesIn(Path tree) {
        long[] sum = {0};
        try {
            Files.walkFileTree(tree, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                    sum[0] += attrs.size();
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException e) {
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            // counted what could be
        }
        return sum[0];
    }

    @Override
    public void close() {
        // no interrupt: the listener may be writing the progress to the database, and an interrupted write closes the
        // embedded one (H2's file channel); a walk of the tree ends by itself
        timer.shutdown();
        try {
            timer.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
