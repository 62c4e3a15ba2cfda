package io.vessel.kernel.internal;

import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.HexFormat;
import org.osgi.framework.BundleContext;

/**
 * The command the provider runs on a new server to enrol it: {@code bin/vessel node join} with this panel's HTTPS
 * address and the SHA-256 fingerprint of the certificate it serves, so the new server can trust this panel before it
 * trusts anything else (a self-signed certificate is the default), and the token. Read from the launcher's framework
 * properties, which name the certificate the HTTPS connector serves.
 */
final class JoinCommand {

    private JoinCommand() {
    }

    static String of(URI base, BundleContext context, String token) {
        String port = context.getProperty("vessel.https.port");
        boolean https = port != null && !port.isBlank() && !"0".equals(port.strip());
        String scheme = https ? "https" : base.getScheme();
        int at = https ? Integer.parseInt(port.strip()) : base.getPort();
        String host = base.getHost() == null ? "localhost" : base.getHost();
        String panel = scheme + "://" + (host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host) + (at > 0 ? ":" + at : "");
        StringBuilder command = new StringBuilder("bin/vessel node join --panel ").append(panel).append(" --token ").append(token);
        if (https) {
            String fingerprint = fingerprint(context);
            if (fingerprint != null) {
                command.append(" --fingerprint ").append(fingerprint);
            }
        }
        return command.toString();
    }

    /** {@code sha256:<hex>} of the certificate the HTTPS connector serves; null when it cannot be read. */
    private static String fingerprint(BundleContext context) {
        String own = context.getProperty("vessel.https.certificate");
        String file = own != null && !own.isBlank() ? own : context.getProperty("vessel.https.selfsigned.certificate");
        if (file == null) {
            return null;
        }
        try (InputStream in = Files.newInputStream(Path.of(file))) {
            Certificate first = CertificateFactory.getInstance("X.509").generateCertificate(in);
            return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(first.getEncoded()));
        } catch (Exception unreadable) {
            return null;
        }
    }
}
