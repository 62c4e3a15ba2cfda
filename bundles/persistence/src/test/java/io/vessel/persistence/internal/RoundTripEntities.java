package io.vessel.persistence.internal;

import io.vessel.persistence.api.PersistenceContribution;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.FetchType;
import jakarta.persistence.Id;
import jakarta.persistence.JoinColumn;
import jakarta.persistence.ManyToOne;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

final class RoundTripEntities implements PersistenceContribution {

    @Override
    public String module() {
        return "roundtrip";
    }

    @Override
    public List<Class<?>> entityClasses() {
        return List.of(Owner.class, Pet.class);
    }

    @Entity
    @Table(name = "rt_owner")
    public static class Owner {
        @Id
        UUID id;
        @Column(nullable = false)
        String name;
        @Column(name = "created_at", nullable = false)
        Instant createdAt;

        protected Owner() {
        }

        Owner(UUID id, String name, Instant createdAt) {
            this.id = id;
            this.name = name;
            this.createdAt = createdAt;
        }

        public String getName() {
            return name;
        }
    }

    /** The owners' table mapped with a column no migration made: what a schema the code drifted from looks like. */
    @Entity(name = "DriftedOwner")
    @Table(name = "rt_owner")
    public static class OwnerWithNickname {
        @Id
        UUID id;
        @Column
        String nickname;

        protected OwnerWithNickname() {
        }
    }

    @Entity
    @Table(name = "rt_pet")
    public static class Pet {
        @Id
        Long id;
        @Column(nullable = false)
        String name;
        @Column(nullable = false)
        String species;
        @ManyToOne(fetch = FetchType.LAZY, optional = false)
        @JoinColumn(name = "owner_id")
        Owner owner;

        protected Pet() {
        }

        Pet(Long id, String name, String species, Owner owner) {
            this.id = id;
            this.name = name;
            this.species = species;
            this.owner = owner;
        }

        public Owner getOwner() {
            return owner;
        }
    }
}
