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
 * classes (backups at seven minutes, the Debian package at three) could start last, with the other lane long idle.
 * Starting the long ones first is the classic longest-processing-time rule. JUnit forks the classes in this order;
 * one worker takes them from the front and the forking one from the back, so the front holds what must start early:
 * the longest class of those that need no turn (backups: seven minutes, much of it waiting on restic and schedules,
 * which the other lane fills; started after the turns it ran at the end of the run with a core idle), then the classes
 * that take turns (see {@link #takesTurns}), then the rest longest first, while the back lane works up from the
 * shortest. (Classes marked isolated run alone after all of these, whatever the order.) {@link Timeline} records how a
 * run went.
 */
public final class LongestFirst implements ClassOrderer {

    static final int UNLISTED_SECONDS = 60;
    private static final Properties DURATIONS = load();

    @Override
    public void orderClasses(ClassOrdererContext context) {
        java.util.List<? extends org.junit.jupiter.api.ClassDescriptor> classes = context.getClassDescriptors();
        Class<?> longestAlone = classes.stream().map(org.junit.jupiter.api.ClassDescriptor::getTestClass).filter(c -> !takesTurns(c))
                .max(Comparator.comparingInt(LongestFirst::seconds)).orElse(null);
        classes.sort(Comparator.comparing((org.junit.jupiter.api.ClassDescriptor c) -> c.getTestClass() != longestAlone)
                .thenComparing(c -> !takesTurns(c.getTestClass()))
                .thenComparing(Comparator.comparingInt((org.junit.jupiter.api.ClassDescriptor c) -> seconds(c.getTestClass())).reversed())
                .thenComparing(c -> c.getTestClass().getName()));
    }

    /**
     * Classes that take turns on a resource lock (VEs with addresses) come first, so that one lane works through them
     * from the start while the other takes the rest: ordered among the others, they ended up together near the end of
     * the run, one at a time with the other lane idle (about six minutes of a run).
     */
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
