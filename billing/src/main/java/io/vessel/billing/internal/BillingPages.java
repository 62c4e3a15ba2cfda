package io.vessel.billing.internal;

import io.vessel.api.security.Permissions;
import io.vessel.web.api.UiContribution;
import org.osgi.service.component.annotations.Component;

/**
 * Billing's pages in the web UI, contributed through the plugin SPI like any plugin's (the portal knows nothing of
 * billing): the customer's Billing page (ui/portal-billing.js) and the Cost tab on each VE's page (ui/ve-cost.js),
 * for callers who may read billing accounts; the administrators' Billing page (ui/admin-billing.js) for those who
 * manage them.
 */
final class BillingPages {

    private BillingPages() {
    }

    /** The portal's Billing page: balance, this period's cost, subscriptions, invoices, payments, spending limit. */
    @Component(service = UiContribution.class, property = {
            UiContribution.PLACEMENT + "=" + UiContribution.PORTAL,
            UiContribution.ID + "=billing",
            UiContribution.LABEL + "=Billing",
            UiContribution.PERMISSION + "=" + Permissions.BILLING_ACCOUNT_READ,
            UiContribution.MODULE + "=portal-billing.js"})
    public static final class PortalBillingPage implements UiContribution {
    }

    /** The admin panel's Billing page: orders to approve, invoices (PDF, credit, payment), CSV exports, plans on offer. */
    @Component(service = UiContribution.class, property = {
            UiContribution.PLACEMENT + "=" + UiContribution.ADMIN,
            UiContribution.ID + "=billing-admin",
            UiContribution.LABEL + "=Billing",
            UiContribution.PERMISSION + "=" + Permissions.BILLING_ACCOUNT_MANAGE,
            UiContribution.MODULE + "=admin-billing.js"})
    public static final class AdminBillingPage implements UiContribution {
    }

    /** The Cost tab of a VE's page: so far and projected to the period's end, live from the event stream. */
    @Component(service = UiContribution.class, property = {
            UiContribution.PLACEMENT + "=" + UiContribution.VE_TAB,
            UiContribution.ID + "=ve-cost",
            UiContribution.LABEL + "=Cost",
            UiContribution.PERMISSION + "=" + Permissions.BILLING_ACCOUNT_READ,
            UiContribution.MODULE + "=ve-cost.js"})
    public static final class VeCostTab implements UiContribution {
    }
}
