package io.vessel.launcher;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.service.log.LogEntry;
import org.osgi.service.log.LogListener;
import org.osgi.service.log.LogReaderService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Forwards the OSGi Log Service (where Declarative Services reports components that fail to activate, and
 * where third-party bundles may log) to SLF4J, so those lines reach {@code logs/vessel.log} too. The logger
 * name is {@code osgi.<bundle>}.
 */
final class OsgiLogBridge implements LogListener {

    private OsgiLogBridge() {
    }

    static void attach(BundleContext context) {
        ServiceReference<LogReaderService> ref = context.getServiceReference(LogReaderService.class);
        if (ref == null) {
            LoggerFactory.getLogger(OsgiLogBridge.class).warn("No OSGi log reader; bundle log entries go unrecorded");
            return;
        }
        context.getService(ref).addLogListener(new OsgiLogBridge());
    }

    @Override
    public void logged(LogEntry entry) {
        Bundle bundle = entry.getBundle();
        String name = "osgi." + (bundle == null || bundle.getSymbolicName() == null ? "framework" : bundle.getSymbolicName());
        Logger log = LoggerFactory.getLogger(name);
        String message = entry.getMessage();
        Throwable error = entry.getException();
        if (entry.getLoggerName() != null && entry.getLoggerName().startsWith("Events.")) {
            // the log service's echo of every bundle and service event: only for deep debugging
            log.trace(message, error);
            return;
        }
        switch (entry.getLogLevel()) {
            case AUDIT, ERROR -> log.error(message, error);
            case WARN -> log.warn(message, error);
            case INFO -> log.info(message, error);
            case DEBUG -> log.debug(message, error);
            default -> log.trace(message, error);
        }
    }
}
