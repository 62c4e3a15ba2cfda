package io.vessel.distribution;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Comparator;
import java.util.Properties;
import org.junit.jupiter.api.ClassOrderer;
import org.junit.jupiter.api.ClassOrdererContext;

/**
 * Orders the integration test classes longest first, by what they took in a recorded run
 * ({@code it-durations.properties}; a class not listed counts as {@link #UNLISTED_SECONDS}).
 *
 * <p>Classes run two at a time, and a run lasts until its last class ends: with JUnit's default order the longest
 * classes (backups at seven minutes, the Debian package at four) could start last, with the other lane long idle.
 * Starting the long ones first is the classic longest-processing-time rule. JUnit forks the classes in this order;
 * one worker takes them from the front and the forking one from the back. The front holds the classes that need no
 * turn, longest first (backups first: much of its time is spent waiting on restic and schedules, which the other lane
 * fills); the back holds the classes that take turns (see {@link #takesTurns}), longest last, so the forking lane
 * works through them one after another from the start (about 17 minutes, well under half the run) and then takes the
 * shortest of the rest; the lanes meet among the shortest classes. (Classes marked isolated run alone after all of
 * these, whatever the order.) {@link Timeline} records how a run went; before, the classes taking turns came first
 * and the longest others only after them, so the run ended on backups or the Debian package beside an idle core.
 */
public final class LongestFirst implements ClassOrderer {

    static final int UNLISTED_SECONDS = 60;
    private static final Properties DURATIONS = load();

    @Override
    public void orderClasses(ClassOrdererContext context) {
        context.getClassDescriptors().sort(Comparator.comparing((org.junit.jupiter.api.ClassDescriptor c) -> takesTurns(c.getTestClass()))
                .thenComparingInt(c -> takesTurns(c.getTestClass()) ? seconds(c.getTestClass()) : -seconds(c.getTestClass()))
                .thenComparing(c -> c.getTestClass().getName()));
    }

    /** Whether a class takes turns with others on the lock of VEs with addresses (host interfaces are named by VE id). */
    static boolean takesTurns(Class<?> testClass) {
        return java.util.Arrays.stream(testClass.getAnnotationsByType(org.junit.jupiter.api.parallel.ResourceLock.class))
                .anyMatch(lock -> PanelProcess.VE_INTERFACES.equals(lock.value()));
    }

    static int seconds(Class<?> testClass) {
        String recorded = DURATIONS.getProperty(testClass.getSimpleName());
        return recorded == null ? UNLISTED_SECONDS : Integer.parseInt(recorded.strip());
    }

    /**
     * Read from the module's sources, as Failsafe runs in the module's directory: this module is packaged as a pom,
     * so its test resources are not copied to the class path.
     */
    private static Properties load() {
        Properties durations = new Properties();
        try (InputStream in = java.nio.file.Files.newInputStream(java.nio.file.Path.of("src/test/resources/it-durations.properties"))) {
            durations.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException("the recorded durations of the integration test classes cannot be read", e);
        }
        return durations;
    }
}
