package io.vessel.kernel.api;

/** What it takes to create a VE; everything but the template is optional. */
public record NewVe(String template, Integer id, String name, String hostname, String owner, Boolean privileged,
                    VeLimits limits, VeFeatures features) {

    /** A VE without features (as before 2.3). */
    public NewVe(String template, Integer id, String name, String hostname, String owner, Boolean privileged, VeLimits limits) {
        this(template, id, name, hostname, owner, privileged, limits, null);
    }
}
