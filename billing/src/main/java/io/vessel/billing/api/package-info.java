/**
 * Billing: plans, usage meters fed by the kernel layer's accounting events, rating, invoices and dunning.
 * So far: exact money ({@link io.vessel.billing.api.Money}) and the price models meters are rated with
 * ({@link io.vessel.billing.api.PriceModel}); plans, meters, invoices and dunning follow.
 */
@org.osgi.annotation.versioning.Version("0.6.0")
package io.vessel.billing.api;
