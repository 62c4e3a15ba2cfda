package io.vessel.identity.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.osgi.framework.BundleContext;

class FirstAdminCredentialTest {

    @Test
    void onAFreshDataDirectoryThePasswordIsHashedAheadAndItsHashVerifiesIt() {
        FirstAdminCredential.Prepared prepared = new FirstAdminCredential(context(Map.of("vessel.data.fresh", "true"))).take();
        assertTrue(prepared.generated(), "no VESSEL_ADMIN_PASSWORD in the test's environment: a random one");
        assertEquals(20, prepared.password().length());
        assertTrue(prepared.password().chars().allMatch(c -> FirstAdminCredential.ALPHABET.indexOf(c) >= 0), prepared.password());
        assertTrue(new PasswordHasher().verify(prepared.password(), prepared.hash()));
    }

    @Test
    void onAnyOtherStartItIsMadeWhenAskedForAndEachTimeAnew() {
        FirstAdminCredential credential = new FirstAdminCredential(context(Map.of()));
        FirstAdminCredential.Prepared one = credential.take();
        assertTrue(new PasswordHasher().verify(one.password(), one.hash()));
        assertNotEquals(one.password(), credential.take().password(), "nothing is kept between starts of the same component");
    }

    private static BundleContext context(Map<String, String> properties) {
        return (BundleContext) Proxy.newProxyInstance(BundleContext.class.getClassLoader(), new Class<?>[] {BundleContext.class},
                (proxy, method, args) -> method.getName().equals("getProperty") ? properties.get((String) args[0]) : null);
    }
}
