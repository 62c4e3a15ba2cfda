package io.vessel.kernel.api;

/**
 * A root file system tarball ({@code .tar}, {@code .tar.gz}, {@code .tar.xz} or {@code .tar.zst}) to import as a
 * template.
 *
 * @param name        template name; a new version when it exists already
 * @param fileName    the uploaded file's name, kept as the template's origin
 * @param init        PID 1 inside the VE; default: Vessel's own init (needs {@code /bin/sh} in the tarball)
 * @param description shown to users choosing a template
 * @param owner       the tenant a private template is for; null for one every tenant may use
 */
public record TarballImportRequest(String name, String fileName, String init, String description, String owner) {
}
