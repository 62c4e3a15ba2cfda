package io.vessel.kernel.internal;

import io.vessel.api.security.Permissions;
import io.vessel.api.security.RequiresPermission;
import io.vessel.api.operation.Operation;
import io.vessel.api.operation.OperationFailure;
import io.vessel.api.operation.OperationService;
import io.vessel.kernel.api.DebianTemplateRequest;
import io.vessel.kernel.api.TarballImportRequest;
import io.vessel.kernel.api.Template;
import io.vessel.kernel.api.VeException;
import io.vessel.web.api.Problem;
import io.vessel.web.api.ProblemException;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import io.vessel.api.security.Caller;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.SecurityContext;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.Files;
import java.util.List;
import java.util.UUID;

/**
 * {@code /api/v1/templates}: what VEs are made from. Debian templates are built with debootstrap, root file system
 * tarballs are uploaded as the request body; both answer 202 with an operation that reports progress. A tarball
 * is checked entry by entry before the answer, so a hostile one is refused at once (422) and nothing is kept.
 */
@Path("templates")
@Produces(MediaType.APPLICATION_JSON)
public final class TemplatesResource {

    /** A Debian build over a slow mirror takes long; past this it is stuck. */
    private static final java.time.Duration TEMPLATE_TIME_LIMIT = java.time.Duration.ofHours(6);

    /** Body of {@code POST /api/v1/templates}: a Debian template built with debootstrap. */
    public record BuildTemplateRequest(String name, String source, String suite, String variant, String mirror,
                                       List<String> packages, String description, String owner, String init) {
    }

    /** Body of {@code PATCH /api/v1/templates/{name}}. */
    public record ChangeTemplateRequest(Boolean retired) {
    }

    private final KernelComponent.TemplateServiceHandle templates;
    private final OperationService operations;
    private final java.nio.file.Path uploads;
    private final long maxUploadBytes;

    TemplatesResource(KernelComponent.TemplateServiceHandle templates, OperationService operations, java.nio.file.Path uploads,
                      long maxUploadBytes) {
        this.templates = templates;
        this.operations = operations;
        this.uploads = uploads;
        this.maxUploadBytes = maxUploadBytes;
    }

    @GET
    @RequiresPermission(Permissions.TEMPLATE_READ)
    public List<Template> listTemplates(@Context SecurityContext security) {
        Caller caller = Caller.of(security);
        return VesResource.call(() -> templates.get().list()).stream().filter(t -> t.owner() == null || caller.sees(t.owner())).toList();
    }

    @GET
    @Path("{name}")
    @RequiresPermission(value = Permissions.TEMPLATE_READ, object = "template", idParam = "name")
    public List<Template> templateVersions(@PathParam("name") String name) {
        List<Template> versions = VesResource.call(() -> templates.get().versions(name));
        if (versions.isEmpty()) {
            throw ProblemException.notFound("There is no template " + name + ".");
        }
        return versions;
    }

    @GET
    @Path("{name}/{version}")
    @RequiresPermission(value = Permissions.TEMPLATE_READ, object = "template", idParam = "name")
    public Template templateVersion(@PathParam("name") String name, @PathParam("version") String version) {
        return VesResource.call(() -> templates.get().find(name + "@" + version))
                .orElseThrow(() -> ProblemException.notFound("There is no template " + name + "@" + version + "."));
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @RequiresPermission(Permissions.TEMPLATE_MANAGE)
    public Response buildTemplate(BuildTemplateRequest body, @Context SecurityContext security) {
        if (body == null) {
            throw ProblemException.invalid("Send a JSON body such as {\"name\": \"debian-12\", \"source\": \"debootstrap\", \"suite\": \"bookworm\"}; "
                    + "tarballs go to POST /api/v1/templates/import.", List.of(new Problem.FieldError("name", "required")));
        }
        if (!"debootstrap".equals(body.source())) {
            throw ProblemException.invalid("source must be \"debootstrap\"; upload root file system tarballs to POST /api/v1/templates/import.",
                    List.of(new Problem.FieldError("source", "must be debootstrap")));
        }
        String owner = ownerFor(body.owner(), security);
        Template prepared = VesResource.call(() -> templates.get().prepareDebian(new DebianTemplateRequest(body.name(), body.suite(),
                body.variant(), body.mirror(), body.packages(), body.description(), owner, body.init())));
        return submit("template.build", prepared);
    }

    @POST
    @Path("import")
    @Consumes({MediaType.APPLICATION_OCTET_STREAM, "application/x-tar", "application/gzip", "application/x-gzip", "application/x-xz",
            "application/zstd", "application/x-zstd"})
    @RequiresPermission(Permissions.TEMPLATE_MANAGE)
    public Response importTemplate(@QueryParam("name") String name, @QueryParam("filename") String fileName,
                                   @QueryParam("init") String init, @QueryParam("description") String description,
                                   @QueryParam("owner") String owner, InputStream body, @Context SecurityContext security)
            throws IOException {
        String tenant = ownerFor(owner, security);
        if (name == null || name.isBlank()) {
            throw ProblemException.invalid("Name the template: POST /api/v1/templates/import?name=alpine-3 with the tarball as the body.",
                    List.of(new Problem.FieldError("name", "required")));
        }
        Files.createDirectories(uploads);
        java.nio.file.Path file = uploads.resolve("upload-" + UUID.randomUUID() + ".part");
        try {
            receive(body, file);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(file);
            throw e;
        }
        // prepareImport takes the file over: it is kept for the import or deleted
        Template prepared = VesResource.call(() -> templates.get().prepareImport(new TarballImportRequest(name, fileName, init, description, tenant), file));
        return submit("template.import", prepared);
    }

    /** A private template's tenant: one the caller sees; none for a template every tenant may use. */
    private static String ownerFor(String owner, SecurityContext security) {
        if (owner == null || owner.isBlank()) {
            return null;
        }
        if (!Caller.of(security).sees(owner.strip())) {
            throw ProblemException.invalid("There is no tenant " + owner + ".", List.of(new Problem.FieldError("owner", "unknown tenant")));
        }
        return owner.strip();
    }

    private void receive(InputStream body, java.nio.file.Path file) throws IOException {
        long total = 0;
        byte[] buffer = new byte[1 << 16];
        try (InputStream in = body; OutputStream out = Files.newOutputStream(file)) {
            int n;
            while ((n = in.read(buffer)) > 0) {
                total += n;
                if (total > maxUploadBytes) {
                    throw new ProblemException(413, "too-large", "Upload too large",
                            "The upload is larger than the " + maxUploadBytes + " bytes a template may have (kernel.template.max.size).");
                }
                out.write(buffer, 0, n);
            }
        }
        if (total == 0) {
            throw ProblemException.invalid("The request body is empty; send the tarball as the body.", List.of(new Problem.FieldError("archive", "empty")));
        }
    }

    @PATCH
    @Path("{name}")
    @Consumes(MediaType.APPLICATION_JSON)
    @RequiresPermission(value = Permissions.TEMPLATE_MANAGE, object = "template", idParam = "name")
    public List<Template> changeTemplate(@PathParam("name") String name, ChangeTemplateRequest body) {
        if (body == null || body.retired() == null) {
            throw ProblemException.invalid("Send {\"retired\": true} to stop new VEs from using the template, or false to allow them again.",
                    List.of(new Problem.FieldError("retired", "required")));
        }
        return VesResource.call(() -> templates.get().retire(name, body.retired()));
    }

    @DELETE
    @Path("{name}/{version}")
    @RequiresPermission(value = Permissions.TEMPLATE_MANAGE, object = "template", idParam = "name")
    public Response deleteTemplate(@PathParam("name") String name, @PathParam("version") String version) {
        int v;
        try {
            v = Integer.parseInt(version);
        } catch (NumberFormatException e) {
            throw ProblemException.notFound("There is no template " + name + "@" + version + ".");
        }
        VesResource.call(() -> {
            templates.get().delete(name, v);
            return null;
        });
        return Response.noContent().build();
    }

    private Response submit(String kind, Template prepared) {
        java.util.Optional<TemplateCatalog.HandedBuild> handed = templates.get() instanceof TemplateCatalog catalog
                ? VesResource.call(() -> catalog.handedBuild(prepared)) : java.util.Optional.empty();
        if (handed.isPresent()) {
            // a panel without storage (server.role = panel): the node recorded as the builder makes it
            Operation operation = operations.dispatch(TemplateCatalog.BUILD_KIND, "template/" + prepared.reference(), null,
                    handed.get().node().toString(), handed.get().parameters(), TEMPLATE_TIME_LIMIT);
            return Response.accepted(operation).location(URI.create("/api/v1/operations/" + operation.id())).build();
        }
        Operation operation = operations.submit(kind, "template/" + prepared.reference(), null, TEMPLATE_TIME_LIMIT, progress -> {
            progress.update(1, kind.equals("template.import") ? "unpacking the archive" : "starting debootstrap");
            try {
                templates.get().build(prepared.name(), prepared.version(), progress::update);
            } catch (VeException e) {
                throw new OperationFailure(e.getMessage(), e);
            }
            return "/api/v1/templates/" + prepared.name() + "/" + prepared.version();
        });
        return Response.accepted(operation).location(URI.create("/api/v1/operations/" + operation.id())).build();
    }
}
