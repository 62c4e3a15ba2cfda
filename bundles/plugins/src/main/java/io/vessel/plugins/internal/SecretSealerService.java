package io.vessel.plugins.internal;

import io.vessel.api.security.SecretSealer;
import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;

/**
 * The panel's {@link SecretSealer}: {@link SecretBox} (AES-256-GCM) under its own key, {@code keys/secrets.key} in
 * the data directory (made at first use, mode 0600), for the secrets other bundles keep in their tables — a
 * reseller's payment-gateway credentials, say. Plugin settings keep their own key.
 */
@Component(service = SecretSealer.class)
public final class SecretSealerService implements SecretSealer {

    private final SecretBox box;

    @Activate
    public SecretSealerService(BundleContext context) throws IOException {
        String dataDir = context.getProperty("vessel.data.dir");
        this.box = SecretBox.open(Path.of(dataDir == null || dataDir.isBlank() ? "data" : dataDir).toAbsolutePath().resolve("keys/secrets.key"));
    }

    @Override
    public String seal(String plain) {
        return box.seal(plain);
    }

    @Override
    public String open(String sealed) {
        try {
            return box.open(sealed);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new IllegalArgumentException("the secret does not open with this panel's key", e);
        }
    }
}
