package io.vessel.backup.internal;

import io.vessel.api.security.Permissions;
import io.vessel.web.api.UiContribution;
import org.osgi.service.component.annotations.Component;

/**
 * Backups' pages in the web UI, contributed through the plugin SPI like any plugin's (the portal knows nothing of
 * backups): the Backups tab of each VE's page (ui/ve-backups.js), for callers who may read its backups, and the
 * provider's Backups page in the admin panel (ui/admin-backups.js).
 */
final class BackupPages {

    private BackupPages() {
    }

    /** The admin panel's Backups page: targets, repositories and their checks, the panel's own backups. */
    @Component(service = UiContribution.class, property = {
            UiContribution.PLACEMENT + "=" + UiContribution.ADMIN,
            UiContribution.ID + "=backups-admin",
            UiContribution.LABEL + "=Backups",
            UiContribution.PERMISSION + "=" + Permissions.BACKUP_TARGETS,
            UiContribution.MODULE + "=admin-backups.js"})
    public static final class AdminBackupsPage implements UiContribution {
    }

    /** The Backups tab: the VE's backups, back up now, restore in place, delete — with the operation's progress. */
    @Component(service = UiContribution.class, property = {
            UiContribution.PLACEMENT + "=" + UiContribution.VE_TAB,
            UiContribution.ID + "=ve-backups",
            UiContribution.LABEL + "=Backups",
            UiContribution.PERMISSION + "=" + Permissions.BACKUP_READ,
            UiContribution.MODULE + "=ve-backups.js"})
    public static final class VeBackupsTab implements UiContribution {
    }
}
