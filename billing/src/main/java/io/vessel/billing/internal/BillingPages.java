package io.vessel.billing.internal;

import io.vessel.api.security.Permissions;
import io.vessel.web.api.UiContribution;
import org.osgi.service.component.annotations.Component;

/**
 * Billing's pages in the web UI, contributed through the plugin SPI like any plugin's (the portal knows nothing of
 * billing): the customer's Billing page (ui/portal-billing.js) and the Cost tab on each VE's page (ui/ve-cost.js),
 * for callers who may read billing accounts; the administrators' Billing page (ui/admin-billing.js), customer
 * accounts (ui/admin-accounts.js), plans (ui/admin-plans.js) and settings (ui/admin-billing-settings.js) for sellers.
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

    /** The admin panel's Plans page: plans on sale, their versions, an editor for a new plan or version, retiring. */
    @Component(service = UiContribution.class, property = {
            UiContribution.PLACEMENT + "=" + UiContribution.ADMIN,
            UiContribution.ID + "=billing-plans",
            UiContribution.LABEL + "=Plans",
            UiContribution.PERMISSION + "=" + Permissions.BILLING_PLAN_MANAGE,
            UiContribution.MODULE + "=admin-plans.js"})
    public static final class AdminPlansPage implements UiContribution {
    }

    /** The admin panel's customer accounts: a customer's balance and top-ups, subscriptions (subscribe, change, pause, cancel), payments. */
    @Component(service = UiContribution.class, property = {
            UiContribution.PLACEMENT + "=" + UiContribution.ADMIN,
            UiContribution.ID + "=billing-accounts",
            UiContribution.LABEL + "=Accounts",
            UiContribution.PERMISSION + "=" + Permissions.BILLING_ACCOUNT_MANAGE,
            UiContribution.MODULE + "=admin-accounts.js"})
    public static final class AdminAccountsPage implements UiContribution {
    }

    /** The admin panel's billing settings: what documents print, their numbers, and tax. */
    @Component(service = UiContribution.class, property = {
            UiContribution.PLACEMENT + "=" + UiContribution.ADMIN,
            UiContribution.ID + "=billing-settings",
            UiContribution.LABEL + "=Billing settings",
            UiContribution.PERMISSION + "=" + Permissions.BILLING_PLAN_MANAGE,
            UiContribution.MODULE + "=admin-billing-settings.js"})
    public static final class AdminBillingSettingsPage implements UiContribution {
    }

    /** A column of the portal's list of VEs: each VE's cost so far and projected, live. */
    @Component(service = UiContribution.class, property = {
            UiContribution.PLACEMENT + "=" + UiContribution.VE_LIST,
            UiContribution.ID + "=ve-cost-column",
            UiContribution.LABEL + "=Cost this period",
            UiContribution.PERMISSION + "=" + Permissions.BILLING_ACCOUNT_READ,
            UiContribution.MODULE + "=ve-cost-column.js"})
    public static final class VeCostColumn implements UiContribution {
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
