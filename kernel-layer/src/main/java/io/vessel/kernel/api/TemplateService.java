package io.vessel.kernel.api;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The template catalog of this node. Builds and imports happen in two steps, like VE creation: {@code prepare…}
 * checks the request and records a BUILDING version at once (so bad input is refused before any work), then
 * {@link #build} does the slow part and either seals a READY template or removes every trace of it.
 */
public interface TemplateService {

    /** Every version of every template, newest version first within a name. */
    List<Template> list();

    /** All versions of one template, newest first; empty when there is no such name. */
    List<Template> versions(String name);

    /** A template by {@code name} (its newest ready version) or {@code name@version}. */
    Optional<Template> find(String reference);

    /** Checks a debootstrap build and records it as BUILDING. */
    Template prepareDebian(DebianTemplateRequest request);

    /**
     * Checks an uploaded tarball entry by entry (path traversal, device nodes, links leading out of the root,
     * size) and records it as BUILDING. The tarball is taken over: it is deleted once imported or refused.
     */
    Template prepareImport(TarballImportRequest request, Path tarball);

    /** Does the work of a prepared template; on failure the version becomes FAILED and the pool is as before. */
    Template build(String name, int version, Progress progress);

    /** Stops new VEs from using every version of {@code name}; existing VEs are unaffected. */
    List<Template> retire(String name, boolean retired);

    /** Deletes one version; refused (CONFLICT) while a VE uses it or while it is being built. */
    void delete(String name, int version);
}
