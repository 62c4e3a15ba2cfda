package io.vessel.sample.internal;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.util.UUID;

@Entity
@Table(name = "sample_guest")
public class Guest {

    @Id
    private UUID id;

    @Column(nullable = false, length = 100)
    private String name;

    protected Guest() {
    }

    Guest(UUID id, String name) {
        this.id = id;
        this.name = name;
    }

    public String getName() {
        return name;
    }
}
