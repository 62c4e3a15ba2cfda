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
 * classes (backups at seven minutes, the Debian package at three) could start last, with the other lane long idle,
 * which cost about six of a run's 38 minutes. Starting the long ones first is the classic longest-processing-time
 * rule; the short ones fill in at the end. (JUnit forks the classes in this order; one worker takes them from the
 * front and the forking one from the back, so the long ones still start early and the run ends on short ones.)
 */
public final class LongestFirst implements ClassOrderer {

    static final int UNLISTED_SECONDS = 60;
    private static final Properties DURATIONS = load();

    @Override
    public void orderClasses(ClassOrdererContext context) {
        context.getClassDescriptors().sort(Comparator.comparingInt((org.junit.jupiter.api.ClassDescriptor c) -> seconds(c.getTestClass()))
                .reversed().thenComparing(c -> c.getTestClass().getName()));
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
