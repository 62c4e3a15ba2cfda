package io.vessel.notifications.internal;

import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Date;
import java.util.Properties;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Sends one e-mail through the configured SMTP server with Jakarta Mail (Eclipse Angus). STARTTLS is required
 * unless switched off (a relay that offers no TLS is refused, so passwords never cross the network in clear);
 * implicit TLS (port 465) is the alternative. The server's certificate is checked against the JDK's trust store
 * plus, optionally, one PEM certificate (a relay with a self-signed or private-CA certificate), and its name
 * against the host name.
 */
final class MailTransport {

    /** {@code mail.*} of vessel.conf, as parsed. */
    record Settings(String host, int port, String username, String password, String from, String security, Path trust, Duration timeout) {
    }

    private final Settings settings;
    private final Session session;

    MailTransport(Settings settings) throws GeneralSecurityException, IOException {
        this.settings = settings;
        Properties p = new Properties();
        String protocol = "tls".equals(settings.security()) ? "smtps" : "smtp";
        p.put("mail.transport.protocol", protocol);
        String prefix = "mail." + protocol + ".";
        p.put(prefix + "host", settings.host());
        p.put(prefix + "port", String.valueOf(settings.port()));
        p.put(prefix + "connectiontimeout", String.valueOf(settings.timeout().toMillis()));
        p.put(prefix + "timeout", String.valueOf(settings.timeout().toMillis()));
        p.put(prefix + "writetimeout", String.valueOf(settings.timeout().toMillis()));
        p.put(prefix + "auth", String.valueOf(settings.username() != null));
        if ("starttls".equals(settings.security())) {
            p.put(prefix + "starttls.enable", "true");
            p.put(prefix + "starttls.required", "true");
        }
        if (!"none".equals(settings.security())) {
            p.put(prefix + "ssl.checkserveridentity", "true");
            p.put(prefix + "ssl.protocols", "TLSv1.3 TLSv1.2");
            p.put(prefix + "ssl.socketFactory", sslContext(settings.trust()).getSocketFactory());
        }
        this.session = Session.getInstance(p);
    }

    /** The JDK's trusted authorities, plus the configured certificate if there is one. */
    private static SSLContext sslContext(Path trust) throws GeneralSecurityException, IOException {
        TrustManagerFactory defaults = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        if (trust == null) {
            defaults.init((KeyStore) null);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, defaults.getTrustManagers(), null);
            return context;
        }
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        store.load(null, null);
        // the JDK's own authorities stay trusted beside the configured one
        KeyStore system = KeyStore.getInstance(KeyStore.getDefaultType());
        Path cacerts = Path.of(System.getProperty("java.home"), "lib", "security", "cacerts");
        if (Files.exists(cacerts)) {
            try (InputStream in = Files.newInputStream(cacerts)) {
                system.load(in, null);
            }
            for (var aliases = system.aliases(); aliases.hasMoreElements(); ) {
                String alias = aliases.nextElement();
                store.setCertificateEntry("jdk-" + alias, system.getCertificate(alias));
            }
        }
        try (InputStream in = Files.newInputStream(trust)) {
            int i = 0;
            for (var cert : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                store.setCertificateEntry("configured-" + i++, (X509Certificate) cert);
            }
        }
        defaults.init(store);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, defaults.getTrustManagers(), null);
        return context;
    }

    void send(String to, String subject, String text, java.util.List<io.vessel.api.notify.Attachment> attachments) throws MessagingException {
        // Jakarta Mail looks its providers up through the context class loader: this bundle's, which embeds them
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(MailTransport.class.getClassLoader());
        try {
            MimeMessage message = message(session, settings.from(), to, subject, text, attachments);
            if (settings.username() != null) {
                Transport.send(message, settings.username(), settings.password());
            } else {
                Transport.send(message);
            }
        } finally {
            thread.setContextClassLoader(previous);
        }
    }

    /** A message: plain text, or text and the files as a multipart/mixed. */
    static MimeMessage message(Session session, String from, String to, String subject, String text,
                               java.util.List<io.vessel.api.notify.Attachment> attachments) throws MessagingException {
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(MailTransport.class.getClassLoader());
        try {
            return build(session, from, to, subject, text, attachments);
        } finally {
            thread.setContextClassLoader(previous);
        }
    }

    private static MimeMessage build(Session session, String from, String to, String subject, String text,
                                     java.util.List<io.vessel.api.notify.Attachment> attachments) throws MessagingException {
        MimeMessage message = new MimeMessage(session);
        message.setFrom(new InternetAddress(from));
        message.setRecipients(Message.RecipientType.TO, InternetAddress.parse(to, true));
        message.setSubject(subject, "UTF-8");
        message.setSentDate(new Date());
        if (attachments.isEmpty()) {
            message.setText(text, "UTF-8");
            return message;
        }
        jakarta.mail.internet.MimeMultipart parts = new jakarta.mail.internet.MimeMultipart("mixed");
        jakarta.mail.internet.MimeBodyPart body = new jakarta.mail.internet.MimeBodyPart();
        body.setText(text, "UTF-8");
        parts.addBodyPart(body);
        for (io.vessel.api.notify.Attachment a : attachments) {
            jakarta.mail.internet.MimeBodyPart file = new jakarta.mail.internet.MimeBodyPart();
            file.setDataHandler(new jakarta.activation.DataHandler(new jakarta.mail.util.ByteArrayDataSource(a.content(), a.mediaType())));
            file.setFileName(a.fileName());
            file.setDisposition(jakarta.mail.Part.ATTACHMENT);
            parts.addBodyPart(file);
        }
        message.setContent(parts);
        message.saveChanges();
        return message;
    }

    String describe() {
        return settings.host() + ":" + settings.port() + " (" + settings.security() + (settings.username() != null ? ", as " + settings.username() : "") + ")";
    }
}
