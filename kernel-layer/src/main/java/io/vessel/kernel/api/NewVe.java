package io.vessel.kernel.api;

/** What it takes to create a VE; everything but the template is optional. */
public record NewVe(String template, Integer id, String name, String hostname, String owner, Boolean privileged,
                    VeLimits limits) {
}
