package io.vessel.kernel.internal;

import io.vessel.api.security.ObjectOwnership;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * Ownership of objects that are shared unless a tenant owns them (templates, IP pools): a shared one is visible to
 * every caller with the permission, a private one only within its tenant's part of the tree.
 */
final class SharedObjectOwnership<T> implements ObjectOwnership {

    private final Function<String, Optional<T>> find;
    private final Function<T, String> owner;
    private final Supplier<Stream<T>> all;

    SharedObjectOwnership(Function<String, Optional<T>> find, Function<T, String> owner, Supplier<Stream<T>> all) {
        this.find = find;
        this.owner = owner;
        this.all = all;
    }

    @Override
    public Optional<String> ownerOf(String id) {
        if (id == null || id.length() > 100) {
            return Optional.empty();
        }
        return find.apply(id).map(o -> owner.apply(o) == null ? SHARED : owner.apply(o));
    }

    @Override
    public long countOwnedBy(String tenantId) {
        return all.get().filter(o -> Objects.equals(owner.apply(o), tenantId)).count();
    }
}
