package io.vessel.identity.internal;

import io.vessel.persistence.api.Database;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Failed logins counted in the database, so that every panel process on it sees the same counts and a restart
 * forgets none. A key is at most {@value #MAX_KEY} characters (a username is at most 64, an address 45). Rows older
 * than the lockout window go whenever a failure is recorded, so the table holds one window's failures at most.
 */
final class LoginFailures implements LoginThrottle.Failures {

    static final int MAX_KEY = 400;

    private final Database database;

    LoginFailures(Database database) {
        this.database = database;
    }

    @Override
    public Map<String, List<Instant>> since(Collection<String> keys, Instant since) {
        List<LoginFailureEntity> rows = database.inTransaction(em -> em.createQuery(
                "select f from LoginFailureEntity f where f.throttleKey in :keys and f.failedAt >= :since order by f.failedAt", LoginFailureEntity.class)
                .setParameter("keys", keys.stream().map(LoginFailures::bounded).toList()).setParameter("since", since).getResultList());
        Map<String, List<Instant>> found = new HashMap<>();
        for (String key : keys) {
            found.put(key, rows.stream().filter(r -> r.key().equals(bounded(key))).map(LoginFailureEntity::failedAt).toList());
        }
        return found;
    }

    @Override
    public void record(Collection<String> keys, Instant at, Instant forgetBefore) {
        Instant when = at.truncatedTo(ChronoUnit.MICROS);
        database.run(em -> {
            em.createQuery("delete from LoginFailureEntity f where f.failedAt < :before").setParameter("before", forgetBefore).executeUpdate();
            for (String key : keys) {
                em.persist(new LoginFailureEntity(bounded(key), when));
            }
        });
    }

    @Override
    public void clear(Collection<String> keys) {
        database.run(em -> em.createQuery("delete from LoginFailureEntity f where f.throttleKey in :keys")
                .setParameter("keys", keys.stream().map(LoginFailures::bounded).toList()).executeUpdate());
    }

    private static String bounded(String key) {
        return key.length() <= MAX_KEY ? key : key.substring(0, MAX_KEY);
    }
}
