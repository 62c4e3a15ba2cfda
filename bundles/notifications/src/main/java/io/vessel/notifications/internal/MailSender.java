package io.vessel.notifications.internal;

import java.net.InetAddress;
import java.nio.file.Path;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends e-mail in the background: through the SMTP server of {@code mail.*} in vessel.conf, or into the outbox
 * while none is configured. A message the server refuses for a passing reason (connection, 4xx) is tried again
 * after 10 s and 60 s, then given up and logged.
 */
@Component(service = MailSender.class, configurationPid = "io.vessel.mail", configurationPolicy = ConfigurationPolicy.OPTIONAL)
@Designate(ocd = MailSender.Config.class)
public final class MailSender {

    private static final Logger LOG = LoggerFactory.getLogger(MailSender.class);
    private static final long[] RETRY_SECONDS = {10, 60};

    @ObjectClassDefinition(name = "Vessel e-mail (SMTP)")
    public @interface Config {
        @AttributeDefinition(description = "SMTP server; empty: mail goes to data/outbox")
        String host() default "";

        int port() default 587;

        String username() default "";

        @AttributeDefinition(type = AttributeType.PASSWORD)
        String password() default "";

        @AttributeDefinition(description = "Sender address; default vessel@<this host>")
        String from() default "";

        @AttributeDefinition(description = "starttls (required), tls (implicit, port 465) or none", options = {})
        String security() default "starttls";

        @AttributeDefinition(description = "A PEM certificate to trust besides the JDK's authorities (a relay's own)")
        String trust() default "";

        String timeout() default "20s";
    }

    private final MailTransport transport;
    private final Outbox outbox;
    private final String from;
    private final ThreadPoolExecutor sender;
    private final java.util.concurrent.ScheduledExecutorService retries;

    @Activate
    public MailSender(BundleContext context, Config config) throws Exception {
        String dataDir = context.getProperty("vessel.data.dir");
        this.outbox = new Outbox(Path.of(dataDir == null || dataDir.isBlank() ? "data" : dataDir).toAbsolutePath().resolve("outbox"));
        this.from = config.from().isBlank() ? "vessel@" + hostName() : config.from().strip();
        String security = config.security().strip().toLowerCase(java.util.Locale.ROOT);
        if (!security.matches("starttls|tls|none")) {
            throw new IllegalArgumentException("mail.security must be starttls, tls or none, not '" + config.security() + "'");
        }
        this.transport = config.host().isBlank() ? null : new MailTransport(new MailTransport.Settings(config.host().strip(), config.port(),
                config.username().isBlank() ? null : config.username(), config.password(), from, security,
                config.trust().isBlank() ? null : Path.of(config.trust().strip()), io.vessel.api.platform.SettingDurations.parse("mail.timeout", config.timeout())));
        this.sender = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(1000), r -> {
            Thread t = new Thread(r, "vessel-mail");
            t.setDaemon(true);
            return t;
        });
        this.retries = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "vessel-mail-retry");
            t.setDaemon(true);
            return t;
        });
        LOG.info("Mail {}", transport == null ? "goes to the outbox (no mail.host configured)" : "goes through " + transport.describe());
    }

    /** Queues a message; never throws for a delivery problem. */
    void send(String to, String subject, String text) {
        send(to, subject, text, java.util.List.of());
    }

    /** Queues a message with files attached; never throws for a delivery problem. */
    void send(String to, String subject, String text, java.util.List<io.vessel.api.notify.Attachment> attachments) {
        submit(to, subject, text, attachments, 0);
    }

    private void submit(String to, String subject, String text, java.util.List<io.vessel.api.notify.Attachment> attachments, int attempt) {
        try {
            sender.execute(() -> deliver(to, subject, text, attachments, attempt));
        } catch (RejectedExecutionException e) {
            LOG.error("Mail dropped, too many waiting to={} subject=\"{}\"", to, subject);
        }
    }

    private void deliver(String to, String subject, String text, java.util.List<io.vessel.api.notify.Attachment> attachments, int attempt) {
        if (transport == null) {
            try {
                Path file = attachments.isEmpty() ? outbox.write(from, to, subject, text)
                        : outbox.write(MailTransport.message(jakarta.mail.Session.getInstance(new java.util.Properties()), from, to, subject, text, attachments));
                LOG.info("Mail queued to={} subject=\"{}\" file={}", to, subject, file.getFileName());
            } catch (java.io.IOException | jakarta.mail.MessagingException | RuntimeException e) {
                LOG.error("Mail to {} not written to the outbox: {}", to, e.getMessage(), e);
            }
            return;
        }
        try {
            transport.send(to, subject, text, attachments);
            LOG.info("Mail sent to={} subject=\"{}\"", to, subject);
        } catch (jakarta.mail.MessagingException | RuntimeException e) {
            String reason = rootMessage(e);
            if (attempt < RETRY_SECONDS.length && transient_(e)) {
                LOG.warn("Mail not sent, trying again in {} s to={} subject=\"{}\": {}", RETRY_SECONDS[attempt], to, subject, reason);
                retries.schedule(() -> submit(to, subject, text, attachments, attempt + 1), RETRY_SECONDS[attempt], TimeUnit.SECONDS);
            } else {
                LOG.error("Mail not sent to={} subject=\"{}\": {}", to, subject, reason);
            }
        }
    }

    /** Connection problems and 4xx answers pass; a 5xx (unknown recipient, refused login) will not. */
    private static boolean transient_(Exception e) {
        String text = String.valueOf(e.getMessage());
        return !(text.matches("(?s).*\\b5\\d\\d\\b.*") || e instanceof jakarta.mail.AuthenticationFailedException);
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        StringBuilder out = new StringBuilder(String.valueOf(e.getMessage()));
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
            out.append(": ").append(t.getMessage());
        }
        return out.toString().replaceAll("\\s+", " ");
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
            return "localhost";
        }
    }

    @Deactivate
    void deactivate() {
        sender.shutdown();
        retries.shutdownNow();
        try {
            sender.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
