/**
 * Billing: plans, usage meters fed by the kernel layer's accounting events, rating, invoices and dunning.
 * Placeholder until the billing issue; the bundle is part of the distribution so the layout is fixed early.
 */
@org.osgi.annotation.versioning.Version("0.1.0")
package io.vessel.billing.api;
