package io.vessel.identity.internal;

import java.util.concurrent.atomic.AtomicLong;
import org.osgi.service.component.annotations.Component;

/** Counts changes to accounts, sessions, tokens and 2FA, so cached credentials know when to look again. */
@Component(service = CredentialChanges.class)
public final class CredentialChanges {

    private final AtomicLong generation = new AtomicLong();

    void bump() {
        generation.incrementAndGet();
    }

    AtomicLong counter() {
        return generation;
    }
}
