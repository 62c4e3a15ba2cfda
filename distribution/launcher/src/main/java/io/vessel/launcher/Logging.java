package io.vessel.launcher;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.jul.LevelChangePropagator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.rolling.FixedWindowRollingPolicy;
import ch.qos.logback.core.rolling.RollingFileAppender;
import ch.qos.logback.core.rolling.SizeBasedTriggeringPolicy;
import ch.qos.logback.core.util.FileSize;
import java.nio.file.Path;
import java.util.Map;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;

/**
 * Logging for the whole panel: SLF4J with Logback, set up here so bundles only import {@code org.slf4j}.
 * Console lines are short; {@code logs/vessel.log} lines carry UTC timestamps, thread and full logger name.
 * Messages use {@code key=value} pairs so the file can be grepped and parsed.
 */
final class Logging {

    /** Libraries that are chatty at INFO; their warnings still come through. */
    private static final Map<String, Level> QUIET = Map.of(
            // Jersey warns that resource singletons are "not providers" and that optional JAF support is absent.
            "org.glassfish.jersey.internal.inject.Providers", Level.ERROR,
            "org.glassfish.jersey.message.internal.MessagingBinders", Level.ERROR,
            "org.hibernate", Level.WARN,
            "com.zaxxer.hikari", Level.WARN,
            "org.eclipse.jetty", Level.WARN,
            "org.glassfish", Level.WARN,
            "org.apache.felix.http", Level.WARN,
            "io.vessel.web.access", Level.INFO);

    private Logging() {
    }

    static void configure(Path logDir, String level) {
        // Hibernate logs through JBoss Logging; send it to SLF4J rather than java.util.logging.
        System.setProperty("org.jboss.logging.provider", "slf4j");
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        context.reset();

        LevelChangePropagator propagator = new LevelChangePropagator();
        propagator.setContext(context);
        propagator.setResetJUL(true);
        propagator.start();
        context.addListener(propagator);

        ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
        console.setContext(context);
        console.setName("console");
        console.setEncoder(encoder(context, "%d{HH:mm:ss.SSS} %-5level %logger{20} - %msg%n"));
        console.start();

        RollingFileAppender<ILoggingEvent> file = new RollingFileAppender<>();
        file.setContext(context);
        file.setName("file");
        file.setFile(logDir.resolve("vessel.log").toString());
        FixedWindowRollingPolicy rolling = new FixedWindowRollingPolicy();
        rolling.setContext(context);
        rolling.setParent(file);
        rolling.setFileNamePattern(logDir.resolve("vessel.%i.log.gz").toString());
        rolling.setMinIndex(1);
        rolling.setMaxIndex(7);
        rolling.start();
        SizeBasedTriggeringPolicy<ILoggingEvent> trigger = new SizeBasedTriggeringPolicy<>();
        trigger.setContext(context);
        trigger.setMaxFileSize(FileSize.valueOf("20MB"));
        trigger.start();
        file.setRollingPolicy(rolling);
        file.setTriggeringPolicy(trigger);
        file.setEncoder(encoder(context, "%d{yyyy-MM-dd'T'HH:mm:ss.SSS'Z',UTC} %-5level [%thread] %logger - %msg%n"));
        file.start();

        Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.toLevel(level, Level.INFO));
        root.addAppender(console);
        root.addAppender(file);
        Level rootLevel = root.getLevel();
        QUIET.forEach((name, quiet) -> context.getLogger(name).setLevel(rootLevel.isGreaterOrEqual(quiet) ? rootLevel : quiet));
        if (rootLevel.levelInt <= Level.DEBUG_INT) {
            context.getLogger("io.vessel.web.access").setLevel(rootLevel);
        }

        SLF4JBridgeHandler.removeHandlersForRootLogger();
        SLF4JBridgeHandler.install();
    }

    private static PatternLayoutEncoder encoder(LoggerContext context, String pattern) {
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern(pattern);
        encoder.start();
        return encoder;
    }

    static void shutdown() {
        ((LoggerContext) LoggerFactory.getILoggerFactory()).stop();
    }
}
