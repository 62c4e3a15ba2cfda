package io.vessel.persistence.internal;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vessel.persistence.api.PersistenceContribution;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import java.util.List;
import org.junit.jupiter.api.Test;

/** When Hibernate gets its bytecode provider (ByteBuddy) and when it boots without one. */
class SessionFactoryBuilderTest {

    @Entity
    public static class Plain {
        @Id
        long id;
        String name;
    }

    @Test
    void modulesWhoseEntitiesAreNeverProxiedNeedNoBytecodeProvider() {
        assertFalse(SessionFactoryBuilder.needsProxies(List.of(contribution(0, Plain.class))));
    }

    @Test
    void aLazyToOneAssociationNeedsProxies() {
        assertTrue(SessionFactoryBuilder.needsProxies(List.of(contribution(0, Plain.class), contribution(0, RoundTripEntities.Owner.class, RoundTripEntities.Pet.class))));
    }

    @Test
    void aPluginsEntitiesMayBeProxiedWhateverTheyLookLike() {
        assertTrue(SessionFactoryBuilder.needsProxies(List.of(contribution(1000, Plain.class))));
    }

    private static PersistenceContribution contribution(int order, Class<?>... entities) {
        return new PersistenceContribution() {
            @Override
            public String module() {
                return "test";
            }

            @Override
            public List<Class<?>> entityClasses() {
                return List.of(entities);
            }

            @Override
            public int order() {
                return order;
            }
        };
    }
}
