package io.vessel.backup.internal;

import io.vessel.api.operation.Operation;
import io.vessel.api.operation.OperationFailure;
import io.vessel.api.operation.OperationService;
import io.vessel.api.platform.SettingDurations;
import io.vessel.backup.api.BackupTarget;
import io.vessel.kernel.api.VeException;
import io.vessel.kernel.api.VeService;
import io.vessel.kernel.api.VeState;
import io.vessel.kernel.api.VirtualEnvironment;
import io.vessel.persistence.api.Database;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Backups of VEs as tracked operations: a consistent snapshot of the VE (frozen only for its instant), shown with the
 * VE's own owners at a path that stays the same for the VE, read by restic into the tenant's own repository in the
 * chosen target; the snapshot released afterwards whatever happened. One backup per VE at a time, at most
 * {@code backup.concurrency} on this node, one restic per repository (a lease in the database).
 */
@Component(service = BackupService.class, configurationPid = "io.vessel.backup", configurationPolicy = ConfigurationPolicy.OPTIONAL)
@Designate(ocd = BackupService.Config.class)
public final class BackupService {

    private static final Logger LOG = LoggerFactory.getLogger(BackupService.class);
    /** The restic host name of every snapshot: with the VE's stable path, how restic finds the previous backup. */
    static final String HOST = "vessel";
    static final String LOCAL = "local";

    @ObjectClassDefinition(name = "Vessel backups")
    public @interface Config {
        @AttributeDefinition(description = "Directory of the built-in local target (empty: <data>/backups)")
        String directory() default "";

        @AttributeDefinition(description = "Backups and restores running at once on this node")
        int concurrency() default 2;

        @AttributeDefinition(description = "The restic program")
        String restic() default "restic";

        @AttributeDefinition(description = "CPUs one backup or restore may keep busy (0: all)")
        int cpus() default 1;

        @AttributeDefinition(description = "MiB per second restic may read from the storage pool's disk (0: no cap)")
        int io_read_mib() default 0;

        @AttributeDefinition(description = "MiB per second restic may write to the storage pool's disk (0: no cap; cgroup v1 caps direct writes only)")
        int io_write_mib() default 0;

        @AttributeDefinition(description = "How long a VE's /etc/vessel/pre-backup may run before the backup fails (e.g. 5m)")
        String pre_backup_timeout() default "5m";

        @AttributeDefinition(description = "How often the plans' backup schedules are brought into their VEs' schedules (e.g. 5m)")
        String plan_schedule_sync() default "5m";

        @AttributeDefinition(description = "How long a customer's backups stay once it owns no VE any more (e.g. 30d; off: until deleted by hand)")
        String terminated_retention() default "30d";

        @AttributeDefinition(description = "How long one backup may take before it is stopped (e.g. 12h)")
        String time_limit() default "12h";

        @AttributeDefinition(description = "Shortest time between two scheduled backups of a VE that a customer or reseller may set (e.g. 1h)")
        String schedule_min_interval() default "1h";

        @AttributeDefinition(description = "The target backups go to unless the provider names another (local, sftp, or a plugin's)")
        String default_target() default LOCAL;

        @AttributeDefinition(description = "SFTP target: the server (empty: no SFTP target)")
        String sftp_host() default "";

        @AttributeDefinition(description = "SFTP target: the server's SSH port")
        int sftp_port() default 22;

        @AttributeDefinition(description = "SFTP target: the login on the server")
        String sftp_user() default "";

        @AttributeDefinition(description = "SFTP target: the directory on the server holding the repositories")
        String sftp_path() default "";

        @AttributeDefinition(description = "SFTP target: the panel's private key file (mode 0600)")
        String sftp_key() default "";

        @AttributeDefinition(description = "SFTP target: the server's public host key, pinned (a line of ssh-keyscan's output without the host)")
        String sftp_host_key() default "";
    }

    /** A backup as the API shows it. */
    /** {@code damaged}: the last check of the backup's repository found damage (restic 0.14 cannot say which backups it hit). */
    public record BackupView(UUID id, int ve, String state, String target, String note, String madeBy, Instant createdAt, Instant startedAt,
                             Instant finishedAt, Long files, Long bytesTotal, Long bytesAdded, Long durationMs, Long frozenMs, String error,
                             UUID operation, boolean damaged) {
        static BackupView of(BackupEntity b, java.util.Set<UUID> damagedRepositories) {
            return new BackupView(b.id, b.veId, b.state.name(), b.target, b.note, b.madeBy, b.createdAt, b.startedAt, b.finishedAt, b.files,
                    b.bytesTotal, b.bytesAdded, b.durationMs, b.frozenMs, b.error, b.operationId,
                    b.repositoryId != null && damagedRepositories.contains(b.repositoryId));
        }
    }

    /** A tenant's repository as the provider sees it: where, how much it stores, and what its last check found. */
    public record RepositoryView(UUID id, String tenant, String target, String location, Long storedBytes, Instant storedAt, long backups,
                                 Instant checkedAt, Boolean checkOk, String checkError, String busyWith, Instant orphanedSince) {
    }

    /** A target as the provider sees it. */
    public record TargetView(String id, String description, boolean reachable, String health, Long freeBytes) {
    }

    private final Database database;
    private final VeService ves;
    private final OperationService operations;
    private final Restic restic;
    private final RepositoryKeys keys;
    private final String recoveryPassword;
    private final RepositoryLeases leases;
    /** Repositories whose key was looked at since the panel started ({@link #keepKeyCheap}). */
    private final Set<UUID> keysLookedAt = ConcurrentHashMap.newKeySet();
    private final Semaphore slots;
    private final Duration timeLimit;
    private final Duration minScheduleInterval;
    private final String defaultTarget;
    private final Path caches;
    private final BackupTarget local;
    private final Clock clock = Clock.systemUTC();
    /** The kernel's cgroups for the panel's own work; null where the node has none. */
    private final io.vessel.kernel.api.HostWork work;
    private final Duration planScheduleSync;
    /** How long a terminated customer's backups stay; null: until deleted by hand. */
    private final Duration terminatedRetention;
    /** The work group every restic of this node runs in. */
    static final String WORK_GROUP = "backup";
    private final Map<String, BackupTarget> targets = new ConcurrentHashMap<>();
    /** The work on the files of this node's VEs (the others' is asked of their nodes). */
    private final VeWork onThisNode;
    /** This node's id: VEs of other nodes are backed up and restored by their own. */
    private final String localNode;

    /** Asks other nodes (present where the node channel runs). */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile io.vessel.kernel.api.NodeCalls nodeCalls;

    /** VEs with a backup (or restore) queued or running here: one at a time per VE. */
    private final Set<Integer> busyVes = ConcurrentHashMap.newKeySet();

    @Activate
    public BackupService(BundleContext context, @Reference(target = "(" + Database.MODULES_PROPERTY + "=" + BackupPersistence.MODULE + ")") Database database,
                         @Reference VeService ves, @Reference OperationService operations,
                         @Reference(cardinality = ReferenceCardinality.OPTIONAL, policyOption = org.osgi.service.component.annotations.ReferencePolicyOption.GREEDY)
                         io.vessel.kernel.api.HostWork work, Config config) throws IOException {
        this.database = database;
        this.ves = ves;
        this.operations = operations;
        Path data = dataDir(context);
        this.caches = caches(data);
        this.timeLimit = SettingDurations.parse("backup.time.limit", config.time_limit());
        this.minScheduleInterval = SettingDurations.parse("backup.schedule.min.interval", config.schedule_min_interval());
        this.restic = restic(config, caches, timeLimit, work);
        this.work = work;
        Duration preBackupTimeout = SettingDurations.parse("backup.pre.backup.timeout", config.pre_backup_timeout());
        this.planScheduleSync = SettingDurations.parse("backup.plan.schedule.sync", config.plan_schedule_sync());
        this.terminatedRetention = config.terminated_retention().isBlank() || config.terminated_retention().strip().equals("off") ? null
                : SettingDurations.parse("backup.terminated.retention", config.terminated_retention());
        this.keys = RepositoryKeys.at(data.resolve("keys/backup-master.key"));
        this.recoveryPassword = RecoveryKey.at(data.resolve("keys/backup-recovery.key"));
        this.localNode = context.getProperty("vessel.node.id");
        this.leases = new RepositoryLeases(database, clock, localNode == null || localNode.isBlank() ? UUID.randomUUID() : UUID.fromString(localNode.strip()));
        this.slots = new Semaphore(Math.max(1, config.concurrency()), true);
        this.onThisNode = new LocalVeWork(ves, restic, timeLimit, preBackupTimeout, slots, "this node");
        Path directory = config.directory().isBlank() ? data.resolve("backups") : Path.of(config.directory().strip()).toAbsolutePath();
        this.local = new LocalDirectoryTarget(LOCAL, directory, data.resolve("storage"));
        targets.put(LOCAL, local);
        sftp(config, data).ifPresent(t -> targets.put(SftpTarget.ID, t));
        this.defaultTarget = config.default_target().isBlank() ? LOCAL : config.default_target().strip();
        recoverFromStop();
        LOG.info("Backups ready localTarget={} concurrency={} timeLimitH={}", directory, slots.availablePermits(), timeLimit.toHours());
    }

    /** This process's data directory ({@code vessel.data.dir}). */
    static Path dataDir(BundleContext context) {
        String dataProperty = context.getProperty("vessel.data.dir");
        return Path.of(dataProperty == null || dataProperty.isBlank() ? "data" : dataProperty).toAbsolutePath();
    }

    /** Where restic keeps its caches on this node, one per repository below it (made, its owner's alone). */
    static Path caches(Path data) throws IOException {
        Path caches = data.resolve("cache/restic");
        Files.createDirectories(caches, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        return caches;
    }

    /**
     * restic as this node runs it: at a low priority, in the backups' work group (CPU and disk caps from
     * {@code backup.cpus} and {@code backup.io.*}, killed as a whole after a crash) when the kernel layer offers one.
     */
    static Restic restic(Config config, Path caches, Duration timeLimit, io.vessel.kernel.api.HostWork work) {
        Restic restic = new Restic(config.restic(), caches, timeLimit, Math.max(0, config.cpus()));
        if (work != null) {
            io.vessel.kernel.api.HostWork.Caps caps = new io.vessel.kernel.api.HostWork.Caps(
                    config.cpus() > 0 ? java.math.BigDecimal.valueOf(config.cpus()) : null,
                    Math.max(0, (long) config.io_read_mib()) << 20, Math.max(0, (long) config.io_write_mib()) << 20);
            restic.confine(() -> work.commandIn(WORK_GROUP, caps));
        } else {
            LOG.warn("Backups run without a cgroup of their own: the kernel layer offers no work groups on this node");
        }
        return restic;
    }

    /** The SFTP target {@code backup.sftp.*} configures, if any (the panels' and every node's alike). */
    static Optional<SftpTarget> sftp(Config config, Path data) throws IOException {
        if (config.sftp_host().isBlank()) {
            return Optional.empty();
        }
        return Optional.of(new SftpTarget(config.sftp_host().strip(), config.sftp_port(), config.sftp_user().strip(),
                config.sftp_path().strip(), Path.of(config.sftp_key().strip()), config.sftp_host_key(), data.resolve("run/backup")));
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile io.vessel.api.notify.Notifier notifier;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile org.osgi.service.event.EventAdmin events;

    /** What the tenants' plans allow (billing answers it); none: no limit. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile io.vessel.backup.api.BackupQuota quota;

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC, unbind = "removeTarget")
    void addTarget(BackupTarget target) {
        if (!target.id().matches("[a-z0-9][a-z0-9-]{0,63}") || LOCAL.equals(target.id()) || SftpTarget.ID.equals(target.id())) {
            LOG.warn("Backup target ignored: its id must be letters, digits and dashes, and not a built-in one's id={}", target.id());
            return;
        }
        targets.put(target.id(), target);
    }

    void removeTarget(BackupTarget target) {
        targets.remove(target.id(), target);
    }

    @Deactivate
    void deactivate() {
        leases.close();
    }

    // ---- what the API asks -------------------------------------------------------------------------------------

    List<BackupView> list(int ve) {
        java.util.Set<UUID> damaged = damagedRepositories();
        return database.inTransaction(em -> em.createQuery("select b from BackupEntity b where b.veId = :ve order by b.createdAt desc",
                BackupEntity.class).setParameter("ve", ve).getResultList()).stream().map(b -> BackupView.of(b, damaged)).toList();
    }

    Optional<BackupView> find(int ve, UUID id) {
        java.util.Set<UUID> damaged = damagedRepositories();
        return Optional.ofNullable(database.inTransaction(em -> {
            BackupEntity b = em.find(BackupEntity.class, id);
            return b == null || b.veId != ve ? null : BackupView.of(b, damaged);
        }));
    }

    private java.util.Set<UUID> damagedRepositories() {
        return new java.util.HashSet<>(database.inTransaction(em -> em.createQuery(
                "select r.id from BackupRepositoryEntity r where r.checkOk = false", UUID.class).getResultList()));
    }

    List<RepositoryView> repositories() {
        return database.inTransaction(em -> {
            java.util.Map<UUID, Long> counts = new java.util.HashMap<>();
            for (Object[] row : em.createQuery("select b.repositoryId, count(b) from BackupEntity b where b.repositoryId is not null"
                    + " group by b.repositoryId", Object[].class).getResultList()) {
                counts.put((UUID) row[0], (Long) row[1]);
            }
            return em.createQuery("select r from BackupRepositoryEntity r order by r.createdAt", BackupRepositoryEntity.class).getResultList()
                    .stream().map(r -> new RepositoryView(r.id, tenantName(r.tenantId), r.target, r.location, r.storedBytes, r.storedAt,
                            counts.getOrDefault(r.id, 0L), r.checkedAt, r.checkOk, r.checkError, r.busyWhat, r.orphanedSince)).toList();
        });
    }

    /**
     * Erases a repository as an operation: every backup in it, and the repository itself where the target can delete
     * it (else every snapshot is forgotten and pruned: no data stays), then its records and its sealed password, so
     * nothing of it opens again — also with the recovery key, where the target deleted it. {@code why} is logged.
     */
    Operation erase(UUID repositoryId, String why) {
        BackupRepositoryEntity repository = database.inTransaction(em -> em.find(BackupRepositoryEntity.class, repositoryId));
        if (repository == null || PANEL.equals(repository.tenantId)) {
            throw new VeException(VeException.Kind.NOT_FOUND, "There is no backup repository " + repositoryId + ".");
        }
        BackupTarget target = target(repository.target);
        String tenant = tenantName(repository.tenantId);
        return operations.submit("backup.erase", "backup-repository/" + repositoryId, null, timeLimit, progress -> {
            try (RepositoryLeases.Lease lease = leases.take(repositoryId, "an erasure", timeLimit,
                    busy -> progress.update(0, "waiting: the repository is busy with " + busy))) {
                BackupTarget.Repository location = target.repository(tenant);
                if (repository.initialized) {
                    progress.update(10, "forgetting every backup of " + tenant + " and pruning its data");
                    List<String> all = restic.snapshots(location, password(repository), List.of()).stream().map(io.vessel.backup.api.Snapshot::id).toList();
                    if (!all.isEmpty()) {
                        restic.forget(location, password(repository), all);
                    }
                }
                progress.update(80, "deleting the repository");
                boolean deleted = target.deleteRepository(tenant);
                deleteTree(caches.resolve(Restic.cacheName(location.location())));
                database.run(em -> {
                    em.createQuery("delete from BackupEntity b where b.repositoryId = :r").setParameter("r", repositoryId).executeUpdate();
                    BackupRepositoryEntity r = em.find(BackupRepositoryEntity.class, repositoryId);
                    if (r != null) {
                        em.remove(r);
                    }
                });
                LOG.warn("Backup repository erased repository={} tenant={} target={} deletedWhole={} why=\"{}\"", repositoryId, tenant,
                        repository.target, deleted, why);
                return null;
            } catch (IOException e) {
                throw new OperationFailure("The repository of " + tenant + " could not be erased: " + e.getMessage(), e);
            }
        });
    }

    /** The data of each repository is read once in this many checks (a different slice each time). */
    static final int CHECK_SLICES = 30;

    /**
     * Checks a repository as an operation: its structure always, and a slice of its data ({@code all}: every byte). A
     * failure marks its backups as possibly damaged and tells the provider.
     */
    Operation check(UUID repositoryId, boolean all) {
        BackupRepositoryEntity repository = database.inTransaction(em -> em.find(BackupRepositoryEntity.class, repositoryId));
        if (repository == null || !repository.initialized) {
            throw new VeException(VeException.Kind.NOT_FOUND, "There is no backup repository " + repositoryId + ".");
        }
        BackupTarget target = target(repository.target);
        return operations.submit("backup.check", "backup-repository/" + repositoryId, null, timeLimit, progress -> {
            try (RepositoryLeases.Lease lease = leases.take(repositoryId, "a check", timeLimit,
                    busy -> progress.update(0, "waiting: the repository is busy with " + busy))) {
                int slice = repository.checkSlice == null ? 1 : repository.checkSlice;
                String readData = all ? "100%" : slice + "/" + CHECK_SLICES;
                progress.update(5, "checking the repository and reading " + (all ? "all of its data" : "slice " + readData + " of its data"));
                String error = null;
                try {
                    restic.check(target.repository(tenantName(repository.tenantId)), password(repository), readData);
                } catch (IOException e) {
                    error = clip(e.getMessage());
                }
                String found = error;
                database.run(em -> {
                    BackupRepositoryEntity r = em.find(BackupRepositoryEntity.class, repositoryId);
                    r.checkedAt = clock.instant();
                    r.checkOk = found == null;
                    r.checkError = found;
                    if (!all) {
                        r.checkSlice = slice % CHECK_SLICES + 1;
                    }
                });
                if (found != null) {
                    LOG.error("Backup repository check found damage repository={} tenant={}: {}", repositoryId, tenantName(repository.tenantId), found);
                    tell(null, new io.vessel.api.notify.Notification("backup.check.failed", "A backup repository is damaged",
                            "Checking the backup repository of " + tenantName(repository.tenantId) + " in target " + repository.target
                                    + " found damage:\n\n" + found + "\n\nIts backups are marked as possibly damaged. Make new backups of its VEs, and see"
                                    + " docs/backups.md (repair) before restoring from it.", Map.of("repository", repositoryId.toString(),
                                    "tenant", tenantName(repository.tenantId))));
                    throw new OperationFailure("The check found damage: " + found);
                }
                LOG.info("Backup repository checked repository={} read={}", repositoryId, readData);
                return null;
            }
        });
    }

    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    static String limitsJson(io.vessel.kernel.api.VeLimits limits) {
        try {
            return limits == null ? null : JSON.writeValueAsString(limits);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            return null;
        }
    }

    static io.vessel.kernel.api.VeLimits limitsOf(String json) {
        try {
            return json == null ? null : JSON.readValue(json, io.vessel.kernel.api.VeLimits.class);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            return null; // the new VE gets the defaults
        }
    }

    /** A backup in a tenant's list: also of VEs destroyed since, with what the VE was. */
    public record TenantBackupView(BackupView backup, String tenant, String hostname, String template, boolean veExists) {
    }

    /** Every backup of the tenants {@code visible} accepts (by tenant id; null: the provider's own), newest first. */
    List<TenantBackupView> tenantBackups(java.util.function.Predicate<String> visible, String onlyTenant) {
        java.util.Set<UUID> damaged = damagedRepositories();
        java.util.Set<Integer> existing = new java.util.HashSet<>();
        ves.list().forEach(v -> existing.add(v.id()));
        return database.inTransaction(em -> em.createQuery("select b from BackupEntity b order by b.createdAt desc", BackupEntity.class)
                .getResultList()).stream()
                .filter(b -> visible.test(b.tenantId == null ? null : b.tenantId.toString()))
                .filter(b -> onlyTenant == null || onlyTenant.equals(b.tenantId == null ? null : b.tenantId.toString()))
                .map(b -> new TenantBackupView(BackupView.of(b, damaged), b.tenantId == null ? null : b.tenantId.toString(), b.veHostname,
                        b.veTemplate, existing.contains(b.veId) && ves.find(b.veId).map(v -> java.util.Objects.equals(v.owner(),
                        b.tenantId == null ? null : b.tenantId.toString())).orElse(false)))
                .toList();
    }

    /** A backup by id if {@code visible} accepts its tenant; else empty (a backup of another tenant is not found). */
    Optional<BackupEntity> visibleBackup(UUID id, java.util.function.Predicate<String> visible) {
        return Optional.ofNullable(database.inTransaction(em -> em.find(BackupEntity.class, id)))
                .filter(b -> visible.test(b.tenantId == null ? null : b.tenantId.toString()));
    }

    /** The owner recorded for the panel's own repository (no tenant has this id): its directory is {@code panel}. */
    static final UUID PANEL = new UUID(0, 0);

    /** A backup of the panel itself. */
    public record PanelBackupView(String id, Instant time, String target) {
    }

    /** How the panel's backups are kept: two weeks of days, two months of weeks, a year of months. */
    private static final Retention PANEL_RETENTION = new Retention(0, 0, 14, 8, 12, 0);

    /**
     * Backs the panel itself up as an operation: the database copied consistently ({@code dump}), the keys, the
     * configuration {@code conf}, the node identity and certificates gathered in a private directory, read by restic
     * into the repository {@code panel} of the default target, and the directory removed again whatever happened.
     */
    Operation backupPanel(io.vessel.persistence.api.DatabaseDump dump, Path data, Path conf) {
        BackupTarget target = target(null);
        return operations.submit("panel.backup", "panel", null, timeLimit, progress -> {
            Path staging = data.resolve("run/panel-backup");
            try {
                deleteTree(staging);
                Files.createDirectories(staging, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
                progress.update(5, "copying the database");
                String format = dump.dumpTo(staging.resolve("database"));
                copyTree(data.resolve("keys"), staging.resolve("keys"));
                copyTree(data.resolve("tls"), staging.resolve("tls"));
                for (String file : List.of("node-id")) {
                    if (Files.exists(data.resolve(file))) {
                        Files.copy(data.resolve(file), staging.resolve(file));
                    }
                }
                if (Files.exists(conf)) {
                    Files.copy(conf, staging.resolve("vessel.conf"));
                }
                Files.writeString(staging.resolve("FORMAT"), "database=" + format + "\nmade=" + clock.instant() + "\n");
                BackupRepositoryEntity repository = repositoryOf(PANEL, target);
                try (RepositoryLeases.Lease lease = leases.take(repository.id, "the panel's backup", timeLimit,
                        busy -> progress.update(10, "waiting: the repository is busy with " + busy))) {
                    BackupTarget.Repository location = target.repository(tenantName(PANEL));
                    String password = password(repository);
                    initialize(repository, target, location, password, progress);
                    progress.update(20, "storing the panel's database, keys and configuration");
                    Restic.Summary summary = restic.backup(location, password, staging, HOST, List.of("panel"),
                            p -> progress.update(20 + (int) Math.min(70, Math.round(p.fraction() * 70)), LocalVeWork.describe(p)));
                    progress.update(95, "keeping two weeks of days, two months of weeks and a year of months");
                    restic.forget(location, password, List.of("panel"), PANEL_RETENTION);
                    refreshStoredBytes(repository, target);
                    LOG.info("Panel backed up target={} snapshot={} bytes={} database={}", target.id(), summary.snapshotId(), summary.totalBytes(), format);
                    return null;
                }
            } catch (java.io.IOException e) {
                LOG.error("Panel backup failed: {}", e.getMessage());
                tell(null, new io.vessel.api.notify.Notification("backup.panel.failed", "The panel's own backup failed",
                        "The backup of the panel's database, keys and configuration failed: " + e.getMessage(), Map.of()));
                throw new OperationFailure("The panel's backup failed: " + e.getMessage(), e);
            } finally {
                deleteTree(staging); // it holds the keys in clear: never left behind
            }
        });
    }

    /** The panel's backups, newest first. */
    List<PanelBackupView> panelBackups() {
        BackupTarget target = target(null);
        Optional<BackupRepositoryEntity> repository = findRepository(PANEL, target.id());
        if (repository.isEmpty() || !repository.get().initialized) {
            return List.of();
        }
        try {
            List<io.vessel.backup.api.Snapshot> snapshots = restic.snapshots(target.repository(tenantName(PANEL)), password(repository.get()),
                    List.of("panel"));
            List<PanelBackupView> out = new ArrayList<>();
            for (int i = snapshots.size() - 1; i >= 0; i--) {
                out.add(new PanelBackupView(snapshots.get(i).id(), snapshots.get(i).time(), target.id()));
            }
            return out;
        } catch (java.io.IOException e) {
            throw readFailure(e);
        }
    }

    private static void copyTree(Path from, Path to) throws java.io.IOException {
        if (!Files.isDirectory(from)) {
            return;
        }
        try (var paths = Files.walk(from)) {
            for (Path p : paths.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    Files.createDirectories(target);
                } else if (Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    Files.copy(p, target, java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
    }

    /** Removes a directory of the panel's own with everything in it; a failure is logged. */
    static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (java.io.IOException e) {
            LOG.error("Directory not removed dir={}: {}", dir, e.getMessage());
        }
    }

    /** To the provider ({@code tenant} null) or a tenant; nothing when notifications are not running. */
    void tell(UUID tenant, io.vessel.api.notify.Notification notification) {
        io.vessel.api.notify.Notifier n = notifier;
        if (n == null) {
            return;
        }
        if (tenant == null) {
            n.notifyProvider(notification);
        } else {
            n.notifyTenant(tenant, notification);
        }
    }

    /** Scheduled: every initialized repository is checked, each its next slice. */
    void checkAll() {
        List<UUID> ids = database.inTransaction(em -> em.createQuery("select r.id from BackupRepositoryEntity r where r.initialized = true",
                UUID.class).getResultList());
        for (UUID id : ids) {
            try {
                check(id, false);
            } catch (RuntimeException e) {
                LOG.warn("Backup repository check not started repository={}: {}", id, e.toString());
            }
        }
    }

    List<TargetView> targets() {
        return targets.values().stream().sorted(java.util.Comparator.comparing(BackupTarget::id)).map(t -> {
            BackupTarget.Health health = t.health();
            return new TargetView(t.id(), t.describe(), health.reachable(), health.detail(), t.freeBytes().orElse(null));
        }).toList();
    }

    /** Queues a backup of VE {@code veId}; answers its operation (whose result is the backup). */
    Operation backup(int veId, String targetId, String note, String madeBy) {
        return backup(veId, targetId, note, madeBy, null);
    }

    /** As above; afterwards {@code keep} (a schedule's retention, or null) decides which of the VE's backups stay. */
    Operation backup(int veId, String targetId, String note, String madeBy, Retention keep) {
        VirtualEnvironment ve = ves.find(veId).orElseThrow(() -> new VeException(VeException.Kind.NOT_FOUND, "There is no VE " + veId + "."));
        if (ve.state() != VeState.RUNNING && ve.state() != VeState.STOPPED && ve.state() != VeState.SUSPENDED) {
            throw new VeException(VeException.Kind.CONFLICT, "VE " + veId + " is " + ve.state().name().toLowerCase(java.util.Locale.ROOT)
                    + "; it can be backed up when it is running, stopped or suspended.");
        }
        BackupTarget target = target(targetId);
        workOn(veId, target); // a VE of another node: a target that node reaches, and a channel to ask it
        if (keep != null && ve.state() == VeState.SUSPENDED && !backsUpWhileSuspended(ve.owner(), veId)) {
            throw new VeException(VeException.Kind.CONFLICT, "VE " + veId + " is suspended, and its plan backs up no suspended VE.");
        }
        // a scheduled backup may pass the slots by one for the instant before its retention (at most the slots) trims
        checkSlots(ve.owner(), keep == null ? 1 : 0);
        checkStorage(ve.owner());
        UUID tenant = ve.owner() == null ? null : UUID.fromString(ve.owner());
        BackupEntity backup = new BackupEntity(UUID.randomUUID(), veId, tenant, target.id(), note, madeBy, clock.instant());
        Operation operation = claimed(veId, "ve.backup", ve.owner(), timeLimit.plusMinutes(10), () -> {
            backup.veHostname = ve.hostname();
            backup.veTemplate = ve.template();
            backup.veLimits = limitsJson(ve.limits());
            backup.vePrivileged = ve.privileged();
            database.run(em -> em.persist(backup));
            return progress -> run(backup.id, veId, tenant, target, keep, progress);
        });
        database.run(em -> em.find(BackupEntity.class, backup.id).operationId = operation.id());
        return operation;
    }

    /**
     * Submits an operation on VE {@code veId} while holding the VE (one backup or restore per VE at a time, else
     * {@code 409}) until the operation ends: {@code prepare} runs first under the hold and answers the work.
     */
    private Operation claimed(int veId, String kind, String owner, Duration limit, java.util.function.Supplier<OperationService.Work> prepare) {
        if (!busyVes.add(veId)) {
            throw new VeException(VeException.Kind.CONFLICT, "VE " + veId + " is being backed up or restored; wait until that has finished.");
        }
        try {
            OperationService.Work work = prepare.get();
            return operations.submit(kind, "ve/" + veId, owner, limit, progress -> {
                try {
                    return work.run(progress);
                } finally {
                    busyVes.remove(veId);
                }
            });
        } catch (RuntimeException e) {
            busyVes.remove(veId);
            throw e;
        }
    }

    /** The backup slots of the tenant ({@code owner}) as its plans say; empty: no limit. */
    java.util.OptionalLong slots(String owner) {
        io.vessel.backup.api.BackupQuota q = quota;
        return owner == null || q == null ? java.util.OptionalLong.empty() : q.slots(owner);
    }

    /** Refuses when {@code more} backups would take the tenant past its plans' backup slots. */
    void checkSlots(String owner, int more) {
        java.util.OptionalLong slots = slots(owner);
        if (slots.isEmpty()) {
            return;
        }
        UUID tenant = UUID.fromString(owner);
        long kept = database.inTransaction(em -> em.createQuery("select count(b) from BackupEntity b where b.tenantId = :t and b.state <> :failed",
                Long.class).setParameter("t", tenant).setParameter("failed", BackupEntity.State.FAILED).getSingleResult());
        if (kept + more > slots.getAsLong()) {
            throw new VeException(VeException.Kind.CONFLICT, "The plan keeps at most " + slots.getAsLong() + " backup" + (slots.getAsLong() == 1 ? "" : "s")
                    + " and " + kept + (kept == 1 ? " is" : " are") + " kept; delete one first, or change the plan.");
        }
    }

    private boolean backsUpWhileSuspended(String owner, int veId) {
        io.vessel.backup.api.BackupQuota q = quota;
        return owner == null || q == null || q.backsUpWhileSuspended(owner, veId);
    }

    /**
     * Refuses a backup while the tenant's repositories already hold what its plans allow ({@code backupGiB}): what a
     * backup will add is known only afterwards, so the one that crosses the limit is kept, and the next is refused.
     */
    void checkStorage(String owner) {
        io.vessel.backup.api.BackupQuota q = quota;
        java.util.OptionalLong allowed = owner == null || q == null ? java.util.OptionalLong.empty() : q.storedBytes(owner);
        if (allowed.isEmpty()) {
            return;
        }
        UUID tenant = UUID.fromString(owner);
        long stored = database.inTransaction(em -> em.createQuery("select coalesce(sum(r.storedBytes), 0) from BackupRepositoryEntity r"
                + " where r.tenantId = :t", Long.class).setParameter("t", tenant).getSingleResult());
        if (stored >= allowed.getAsLong()) {
            long limit = allowed.getAsLong();
            throw new VeException(VeException.Kind.CONFLICT, "The plan stores at most " + (limit % (1L << 30) == 0 ? (limit >> 30) + " GiB" : size(limit))
                    + " of backups and "
                    + size(stored) + " are stored; delete backups first, or change the plan.");
        }
    }

    /** Queues the deletion of a backup (restic forget + prune: the space only it held is given back). */
    Operation delete(int veId, UUID id) {
        BackupEntity backup = database.inTransaction(em -> {
            BackupEntity b = em.find(BackupEntity.class, id);
            if (b == null || b.veId != veId) {
                return null;
            }
            if (b.state == BackupEntity.State.QUEUED || b.state == BackupEntity.State.RUNNING) {
                throw new VeException(VeException.Kind.CONFLICT, "This backup is still being made; delete it once it is done.");
            }
            if (b.state == BackupEntity.State.DELETING) {
                throw new VeException(VeException.Kind.CONFLICT, "This backup is already being deleted.");
            }
            b.state = BackupEntity.State.DELETING;
            return b;
        });
        if (backup == null) {
            throw new VeException(VeException.Kind.NOT_FOUND, "VE " + veId + " has no backup " + id + ".");
        }
        return submitDeletion(backup);
    }

    private Operation submitDeletion(BackupEntity backup) {
        String owner = backup.tenantId == null ? null : backup.tenantId.toString();
        return operations.submit("ve.backup.delete", "ve/" + backup.veId, owner, timeLimit, progress -> {
            if (backup.snapshotId != null && backup.repositoryId != null) {
                BackupRepositoryEntity repository = database.inTransaction(em -> em.find(BackupRepositoryEntity.class, backup.repositoryId));
                BackupTarget target = target(repository.target);
                progress.update(10, "waiting for the repository");
                try (RepositoryLeases.Lease lease = leases.take(repository.id, "deleting a backup of VE " + backup.veId, timeLimit,
                        busy -> progress.update(10, "waiting: the repository is busy with " + busy))) {
                    if (database.inTransaction(em -> em.find(BackupEntity.class, backup.id)) == null) {
                        // another panel took this deletion up again after a stop, and finished it first
                        LOG.info("Backup already deleted ve={} backup={}", backup.veId, backup.id);
                        return null;
                    }
                    progress.update(30, "deleting the backup and reclaiming its space");
                    restic.forget(target.repository(tenantName(repository.tenantId)), password(repository), List.of(backup.snapshotId));
                    refreshStoredBytes(repository, target);
                } catch (IOException e) {
                    database.run(em -> {
                        BackupEntity b = em.find(BackupEntity.class, backup.id);
                        if (b != null) {
                            b.state = BackupEntity.State.DONE;
                        }
                    });
                    throw new OperationFailure("The backup could not be deleted: " + e.getMessage(), e);
                }
            }
            database.run(em -> {
                BackupEntity b = em.find(BackupEntity.class, backup.id);
                if (b != null) {
                    em.remove(b);
                }
            });
            LOG.info("Backup deleted ve={} backup={} snapshot={}", backup.veId, backup.id, backup.snapshotId);
            return null;
        });
    }

    /**
     * Queues a restore of VE {@code veId} from one of its backups, in place: the backup is written into a fresh tree
     * the VE does not see (limited to its disk quota), and only once that is complete is the VE stopped, the tree
     * swapped in for its file system in one step, and the VE started again if it ran. A failed restore leaves the VE
     * as it was.
     */
    Operation restore(int veId, UUID backupId) {
        VirtualEnvironment ve = ves.find(veId).orElseThrow(() -> new VeException(VeException.Kind.NOT_FOUND, "There is no VE " + veId + "."));
        if (ve.state() != VeState.RUNNING && ve.state() != VeState.STOPPED) {
            throw new VeException(VeException.Kind.CONFLICT, "VE " + veId + " is " + ve.state().name().toLowerCase(java.util.Locale.ROOT)
                    + "; it can be restored when it is running or stopped.");
        }
        BackupEntity backup = restorable(veId, backupId);
        checkFits(backup, ve.limits(), "VE " + veId + "'s disk quota", "; raise the quota first");
        workOn(veId, target(repositoryOf(backup).target));
        return claimed(veId, "ve.restore", ve.owner(), timeLimit.plusMinutes(10), () -> progress -> restoreInPlace(veId, backup, progress));
    }

    /**
     * Queues a restore of a backup into a new VE made like the backed-up one (its template, limits, owner and
     * features; {@code hostname}, or the old one): created, then given the backup's files the way an in-place restore
     * does, and left stopped. A failure destroys the new VE again: nothing half-made stays.
     */
    Operation restoreAsNewVe(int veId, UUID backupId, String hostname) {
        return restoreAsNewVe(restorable(veId, backupId), hostname);
    }

    /** As above for any backup the caller may see, also one of a VE destroyed since: made like what the backup recorded. */
    Operation restoreAsNewVe(BackupEntity given, String hostname) {
        BackupEntity backup = restorable(given.veId, given.id);
        int veId = backup.veId;
        Optional<VirtualEnvironment> source = ves.find(veId).filter(v -> java.util.Objects.equals(v.owner(), backup.tenantId == null ? null
                : backup.tenantId.toString()));
        String template = source.map(VirtualEnvironment::template).orElse(backup.veTemplate);
        io.vessel.kernel.api.VeLimits limits = source.map(VirtualEnvironment::limits).orElseGet(() -> limitsOf(backup.veLimits));
        if (template == null) {
            throw new VeException(VeException.Kind.CONFLICT, "This backup does not say what its VE was made from (made before Vessel kept"
                    + " that); restore it into an existing VE instead.");
        }
        checkFits(backup, limits, "the new VE's disk quota", "");
        String owner = backup.tenantId == null ? null : backup.tenantId.toString();
        String name = hostname == null || hostname.isBlank() ? source.map(VirtualEnvironment::hostname).orElse(backup.veHostname) : hostname.strip();
        VirtualEnvironment prepared = ves.prepare(new io.vessel.kernel.api.NewVe(template, null, null, name, owner,
                source.map(VirtualEnvironment::privileged).orElse(Boolean.TRUE.equals(backup.vePrivileged)), limits,
                source.map(VirtualEnvironment::features).orElse(null)));
        int newId = prepared.id();
        return claimed(newId, "ve.restore", owner, timeLimit.plusMinutes(10), () -> progress -> {
            progress.update(0, "creating VE " + newId + " like VE " + veId);
            try {
                ves.create(newId);
            } catch (VeException e) {
                throw new OperationFailure("VE " + newId + " could not be created: " + e.getMessage(), e);
            }
            try {
                restoreInPlace(newId, backup, progress);
            } catch (Exception e) {
                try {
                    ves.destroy(newId);
                } catch (RuntimeException gone) {
                    LOG.error("A VE made for a failed restore was not destroyed ve={}: {}", newId, gone.toString());
                }
                throw e;
            }
            LOG.info("Backup restored into a new VE from={} ve={} backup={}", veId, newId, backup.id);
            return "/api/v1/ves/" + newId;
        });
    }

    /** restic 0.14 restores sparse files fully allocated: what the backup holds must fit the quota as it is. */
    private static void checkFits(BackupEntity backup, io.vessel.kernel.api.VeLimits limits, String quotaName, String advice) {
        Long quota = limits == null ? null : limits.diskBytes();
        if (quota != null && quota > 0 && backup.bytesTotal != null && backup.bytesTotal > quota) {
            throw new VeException(VeException.Kind.UNPROCESSABLE, "disk", "The backup holds " + size(backup.bytesTotal) + ", more than " + quotaName
                    + " of " + size(quota) + advice + ".", null);
        }
    }

    /** What a failure says to the user: our own exceptions' sentences, only the kind of anything else (its details go to the log). */
    static String userMessage(Throwable e, String what) {
        return e instanceof VeException || e instanceof IOException || e instanceof IllegalStateException ? e.getMessage()
                : what + " failed (" + e.getClass().getSimpleName() + ")";
    }

    private String restoreInPlace(int veId, BackupEntity backup, OperationService.Progress progress) throws Exception {
        VeWork.Slot slot = VeWork.Slot.NONE;
        try {
            BackupRepositoryEntity repository = database.inTransaction(em -> em.find(BackupRepositoryEntity.class, backup.repositoryId));
            BackupTarget target = target(repository.target);
            VeWork where = workOn(veId, target);
            slot = where.hold(progress);
            try (RepositoryLeases.Lease lease = leases.take(repository.id, "a restore of VE " + veId, timeLimit,
                    busy -> progress.update(0, "waiting: the repository is busy with " + busy))) {
                where.restore(veId, repo(repository, target, password(repository)), backup.snapshotId,
                        backup.bytesTotal == null ? 0 : backup.bytesTotal, progress);
            }
            LOG.info("VE restored from a backup ve={} backup={} snapshot={}", veId, backup.id, backup.snapshotId);
            return "/api/v1/ves/" + veId;
        } catch (Exception e) {
            String message = userMessage(e, "the restore");
            LOG.warn("Restore failed ve={} backup={}: {}", veId, backup.id, e.toString());
            throw new OperationFailure("Restore of VE " + veId + " failed; the VE was left as it was: " + message, e);
        } finally {
            slot.close();
        }
    }

    /** At most this many files and directories in one restore of single files. */
    static final int MAX_RESTORED_PATHS = 64;

    /**
     * Queues a restore of single files and directories of a backup into running VE {@code veId}, which runs on: each
     * is streamed from {@code restic dump} into an extractor inside the VE's namespaces with its own credentials
     * (see {@link VeService#extractInto}), at its old place or below directory {@code into}. What is there is
     * replaced; what is not in the backup stays. The VE's quota holds.
     */
    Operation restoreFiles(int veId, UUID backupId, List<String> paths, String into) {
        if (paths.isEmpty() || paths.size() > MAX_RESTORED_PATHS) {
            throw new VeException(VeException.Kind.INVALID, "paths", "Name 1 to " + MAX_RESTORED_PATHS + " files or directories to restore.", null);
        }
        List<String> wanted = new ArrayList<>(new java.util.LinkedHashSet<>(paths.stream().map(BackupService::checkedPath).toList()));
        if (wanted.contains("/")) {
            throw new VeException(VeException.Kind.INVALID, "paths", "The whole VE is restored without paths; name files or directories in it.", null);
        }
        String directory = into == null || into.isBlank() ? "/" : checkedPath(into);
        VirtualEnvironment ve = ves.find(veId).orElseThrow(() -> new VeException(VeException.Kind.NOT_FOUND, "There is no VE " + veId + "."));
        if (ve.state() != VeState.RUNNING) {
            throw new VeException(VeException.Kind.CONFLICT, "VE " + veId + " is " + ve.state().name().toLowerCase(java.util.Locale.ROOT)
                    + "; single files are restored into a running VE. Start it, or restore the whole VE.");
        }
        BackupEntity backup = restorable(veId, backupId);
        BackupRepositoryEntity repository = repositoryOf(backup);
        workOn(veId, target(repository.target));
        BackupTarget.Repository location = target(repository.target).repository(tenantName(repository.tenantId));
        List<Restic.Entry> entries = new ArrayList<>();
        try {
            for (String path : wanted) {
                Restic.Entry entry = entry(location, password(repository), backup.snapshotId, path);
                if (!"dir".equals(entry.type()) && !"file".equals(entry.type())) {
                    throw new VeException(VeException.Kind.UNPROCESSABLE, "paths", path + " is a " + entry.type()
                            + "; files and directories are restored one by one, anything else with the directory that holds it.", null);
                }
                entries.add(entry);
            }
        } catch (IOException e) {
            throw readFailure(e);
        }
        return claimed(veId, "ve.restore-files", ve.owner(), timeLimit,
                () -> progress -> restoreFilesNow(veId, backup, repository, target(repository.target), wanted, entries, directory, progress));
    }

    private String restoreFilesNow(int veId, BackupEntity backup, BackupRepositoryEntity repository, BackupTarget target, List<String> paths,
                                   List<Restic.Entry> entries, String directory, OperationService.Progress progress) throws Exception {
        VeWork.Slot slot = VeWork.Slot.NONE;
        try {
            VeWork where = workOn(veId, target);
            slot = where.hold(progress);
            long written = where.restoreFiles(veId, repo(repository, target, password(repository)), backup.snapshotId, paths, entries, directory,
                    progress);
            String where_ = directory.equals("/") ? "" : " below " + directory;
            LOG.info("Files restored into a VE ve={} backup={} paths={} into={} bytes={}", veId, backup.id, paths, directory, written);
            progress.update(100, "restored " + String.join(", ", paths) + where_ + " (" + size(written) + ")");
            return "/api/v1/ves/" + veId;
        } catch (Exception e) {
            String message = userMessage(e, "the restore");
            LOG.warn("Restore of files failed ve={} backup={} paths={}: {}", veId, backup.id, paths, e.toString());
            throw new OperationFailure("Restoring files into VE " + veId + " failed: " + message
                    + " Files restored before the failure stay restored.", e);
        } finally {
            slot.close();
        }
    }

    /** A directory of a backup: its entries, with the owners as the VE sees them. */
    public record Listing(String path, List<Restic.Entry> entries) {
    }

    /** A file of a backup as it is downloaded, or a directory as a {@code .tar.zst}. */
    record Download(String filename, String type, long size, List<Process> processes) {
    }

    /** What is in directory {@code path} of a backup (browsing never takes the repository's lease: it only reads). */
    Listing files(int veId, UUID backupId, String path) {
        String dir = checkedPath(path);
        BackupEntity backup = restorable(veId, backupId);
        BackupRepositoryEntity repository = database.inTransaction(em -> em.find(BackupRepositoryEntity.class, backup.repositoryId));
        BackupTarget.Repository location = target(repository.target).repository(tenantName(repository.tenantId));
        try {
            if (!dir.equals("/")) {
                Restic.Entry self = entry(location, password(repository), backup.snapshotId, dir);
                if (!"dir".equals(self.type())) {
                    throw new VeException(VeException.Kind.INVALID, "path", dir + " is a " + self.type() + ", not a directory; download it instead.", null);
                }
            }
            return new Listing(dir, listing(location, password(repository), backup.snapshotId, dir));
        } catch (IOException e) {
            throw readFailure(e);
        }
    }

    /** A file of a backup, or a directory as {@code .tar.zst}, streamed from restic. */
    Download download(int veId, UUID backupId, String path) {
        String file = checkedPath(path);
        BackupEntity backup = restorable(veId, backupId);
        BackupRepositoryEntity repository = database.inTransaction(em -> em.find(BackupRepositoryEntity.class, backup.repositoryId));
        BackupTarget.Repository location = target(repository.target).repository(tenantName(repository.tenantId));
        try {
            boolean directory = file.equals("/") || "dir".equals(entry(location, password(repository), backup.snapshotId, file).type());
            long size = directory ? -1 : entry(location, password(repository), backup.snapshotId, file).size();
            String name = file.equals("/") ? "ve-" + veId : file.substring(file.lastIndexOf('/') + 1);
            List<Process> processes = restic.dump(location, password(repository), backup.snapshotId, file, directory);
            LOG.info("Backup download ve={} backup={} path={} directory={}", veId, backupId, file, directory);
            return directory ? new Download(name + ".tar.zst", "application/zstd", -1, processes)
                    : new Download(name, "application/octet-stream", size, processes);
        } catch (IOException e) {
            throw readFailure(e);
        }
    }

    private Restic.Entry entry(BackupTarget.Repository location, String password, String snapshot, String path) throws IOException {
        String parent = path.substring(0, Math.max(1, path.lastIndexOf('/')));
        String name = path.substring(path.lastIndexOf('/') + 1);
        return listing(location, password, snapshot, parent).stream().filter(e -> e.name().equals(name)).findFirst()
                .orElseThrow(() -> new VeException(VeException.Kind.NOT_FOUND, "The backup holds no " + path + "."));
    }

    /**
     * Directories of snapshots as listed (at most 512 of up to 5,000 entries each): a snapshot never changes, so
     * browsing back and forth asks restic once.
     */
    private final java.util.Map<String, List<Restic.Entry>> listings = java.util.Collections.synchronizedMap(
            new java.util.LinkedHashMap<>(64, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(java.util.Map.Entry<String, List<Restic.Entry>> eldest) {
                    return size() > 512;
                }
            });

    private List<Restic.Entry> listing(BackupTarget.Repository location, String password, String snapshot, String dir) throws IOException {
        String key = location.location() + "\n" + snapshot + "\n" + dir;
        List<Restic.Entry> known = listings.get(key);
        if (known != null) {
            return known;
        }
        List<Restic.Entry> read = List.copyOf(restic.list(location, password, snapshot, dir));
        if (read.size() <= 5000) { // a huge directory is listed again rather than held
            listings.put(key, read);
        }
        return read;
    }

    private static VeException readFailure(IOException e) {
        // e.g. a prune holding the repository's exclusive lock: reading works again once it is done
        return new VeException(VeException.Kind.UNAVAILABLE, "The backup cannot be read right now (" + e.getMessage() + "); try again shortly.");
    }

    private BackupEntity restorable(int veId, UUID backupId) {
        BackupEntity backup = database.inTransaction(em -> {
            BackupEntity b = em.find(BackupEntity.class, backupId);
            return b == null || b.veId != veId ? null : b;
        });
        if (backup == null) {
            throw new VeException(VeException.Kind.NOT_FOUND, "VE " + veId + " has no backup " + backupId + ".");
        }
        if ((backup.state != BackupEntity.State.DONE && backup.state != BackupEntity.State.INCOMPLETE) || backup.snapshotId == null) {
            throw new VeException(VeException.Kind.CONFLICT, "This backup is " + backup.state.name().toLowerCase(java.util.Locale.ROOT)
                    + "; only a backup that was made can be read or restored.");
        }
        return backup;
    }

    /** An absolute path inside the VE, normalized: no {@code .} or {@code ..}, no empty or control characters. */
    static String checkedPath(String path) {
        String p = path == null || path.isBlank() ? "/" : path.strip();
        if (!p.startsWith("/") || p.length() > 4096 || p.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            throw new VeException(VeException.Kind.INVALID, "path", "A path in the backup starts with / (like /etc/hosts).", null);
        }
        List<String> parts = new ArrayList<>();
        for (String part : p.split("/")) {
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                throw new VeException(VeException.Kind.INVALID, "path", "A path in the backup has no '..' in it.", null);
            }
            parts.add(part);
        }
        return "/" + String.join("/", parts);
    }

    // ---- the work ------------------------------------------------------------------------------------------------

    private String run(UUID id, int veId, UUID tenant, BackupTarget target, Retention keep, OperationService.Progress progress) throws Exception {
        VeWork.Slot slot = VeWork.Slot.NONE;
        try {
            VeWork where = workOn(veId, target);
            slot = where.hold(progress);
            update(id, b -> {
                b.state = BackupEntity.State.RUNNING;
                b.startedAt = clock.instant();
            });
            BackupTarget.Health health = target.health();
            if (!health.reachable()) {
                throw new IllegalStateException("the backup target " + target.id() + " cannot be used: " + health.detail());
            }
            BackupRepositoryEntity repository = repositoryOf(tenant, target);
            try (RepositoryLeases.Lease lease = leases.take(repository.id, "a backup of VE " + veId, timeLimit,
                    busy -> progress.update(0, "waiting: the repository is busy with " + busy))) {
                BackupTarget.Repository location = target.repository(tenantName(tenant));
                String password = password(repository);
                initialize(repository, target, location, password, progress);
                VeWork.Taken taken = where.backUp(veId, id, repo(repository, target, password), progress);
                Restic.Summary summary = taken.summary();
                update(id, b -> {
                    b.state = summary.complete() ? BackupEntity.State.DONE : BackupEntity.State.INCOMPLETE;
                    b.repositoryId = repository.id;
                    b.snapshotId = summary.snapshotId();
                    b.finishedAt = clock.instant();
                    b.files = summary.totalFiles();
                    b.bytesTotal = summary.totalBytes();
                    b.bytesAdded = summary.dataAdded();
                    b.durationMs = summary.took().toMillis();
                    b.frozenMs = taken.frozenMs();
                    b.error = summary.complete() ? null : "some files could not be read; the others are in the backup";
                });
                if (keep != null && !keep.keepsAll()) {
                    progress.update(98, "keeping the backups the schedule keeps, deleting the others");
                    forgetAllBut(veId, repository.id, restic.forget(location, password, List.of("ve=" + veId), keep));
                }
                refreshStoredBytes(repository, target);
                LOG.info("Backup made ve={} backup={} snapshot={} files={} bytesAdded={} frozenMs={} tookMs={} node={}", veId, id, summary.snapshotId(),
                        summary.totalFiles(), summary.dataAdded(), taken.frozenMs(), summary.took().toMillis(), where instanceof LocalVeWork ? "here" : nodeOf(veId));
                return "/api/v1/ves/" + veId + "/backups/" + id;
            }
        } catch (Exception | Error e) { // an Error too: the record must not stay RUNNING until the next start
            String message = userMessage(e, "the backup");
            LOG.warn("Backup failed ve={} backup={}: {}", veId, id, e.toString());
            if (keep != null) { // a scheduled one: nobody is watching it
                tell(tenant, new io.vessel.api.notify.Notification("backup.failed", "The scheduled backup of VE " + veId + " failed",
                        "The scheduled backup of VE " + veId + " failed: " + message + "\n\nThe next one runs at its next scheduled time.",
                        Map.of("ve", veId, "backup", id.toString())));
            }
            update(id, b -> {
                b.state = BackupEntity.State.FAILED;
                b.finishedAt = clock.instant();
                b.error = clip(message);
            });
            throw new OperationFailure("Backup of VE " + veId + " failed: " + message, e);
        } finally {
            slot.close();
        }
    }

    /** The repository as {@link VeWork} takes it: also what the VE's node needs to reach it the same way. */
    private VeWork.Repo repo(BackupRepositoryEntity repository, BackupTarget target, String password) {
        String tenant = tenantName(repository.tenantId);
        return new VeWork.Repo(target.id(), tenant, target.repository(tenant), repository.keyId, password);
    }

    /**
     * Where the work on VE {@code veId}'s files is done: here, or on the VE's own node, which reads its snapshot and
     * runs restic itself (its files are there) and so must reach {@code target} too.
     */
    private VeWork workOn(int veId, BackupTarget target) {
        java.util.UUID node = nodeOf(veId);
        if (node == null) {
            return onThisNode;
        }
        if (!NodeBackups.everyNodeReaches(target)) {
            throw new VeException(VeException.Kind.CONFLICT, "VE " + veId + " runs on node " + node + ", which cannot reach the backup target "
                    + target.id() + " (" + target.describe() + ", on this panel's server only); use a target every node reaches, such as sftp.");
        }
        io.vessel.kernel.api.NodeCalls calls = nodeCalls;
        if (calls == null) {
            throw new VeException(VeException.Kind.UNAVAILABLE, "VE " + veId + " runs on node " + node + ", and this panel has no node channel"
                    + " to ask it yet; try again in a moment.");
        }
        return new NodeVeWork(calls, node);
    }

    /** The node VE {@code veId} runs on when it is another one than this; null: here (or not known). */
    private java.util.UUID nodeOf(int veId) {
        java.util.UUID node = ves.find(veId).map(VirtualEnvironment::node).orElse(null);
        return node == null || node.toString().equals(localNode) ? null : node;
    }

    /** Where a VE keeps the script that readies its files for a backup (flushes a database, say). */
    static final String PRE_BACKUP = LocalVeWork.PRE_BACKUP;

    /** The VE's backups in the repository whose snapshots the retention forgot leave the list too. */
    private void forgetAllBut(int veId, UUID repository, List<String> left) {
        int forgotten = database.inTransaction(em -> {
            List<BackupEntity> made = em.createQuery("select b from BackupEntity b where b.veId = :ve and b.repositoryId = :r"
                    + " and b.snapshotId is not null and b.state in (:done, :incomplete)", BackupEntity.class).setParameter("ve", veId)
                    .setParameter("r", repository).setParameter("done", BackupEntity.State.DONE)
                    .setParameter("incomplete", BackupEntity.State.INCOMPLETE).getResultList();
            int n = 0;
            for (BackupEntity b : made) {
                if (!left.contains(b.snapshotId)) {
                    em.remove(b);
                    n++;
                }
            }
            return n;
        });
        if (forgotten > 0) {
            LOG.info("Backups past the schedule's retention deleted ve={} count={}", veId, forgotten);
        }
    }

    static String size(long bytes) {
        if (bytes < 1024 * 1024) {
            return (bytes / 1024) + " KiB";
        }
        if (bytes < 1024L * 1024 * 1024) {
            return String.format(java.util.Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
        }
        return String.format(java.util.Locale.ROOT, "%.2f GiB", bytes / 1073741824.0);
    }

    private BackupRepositoryEntity repositoryOf(BackupEntity backup) {
        return database.inTransaction(em -> em.find(BackupRepositoryEntity.class, backup.repositoryId));
    }

    /** The tenant's repository in the target: its row made (with a new sealed password) the first time. */
    private BackupRepositoryEntity repositoryOf(UUID tenant, BackupTarget target) {
        Optional<BackupRepositoryEntity> existing = findRepository(tenant, target.id());
        if (existing.isPresent()) {
            return existing.get();
        }
        UUID id = UUID.randomUUID();
        BackupRepositoryEntity fresh = new BackupRepositoryEntity(id, tenant, target.id(), target.repository(tenantName(tenant)).location(), null,
                clock.instant());
        fresh.sealedPassword = keys.seal(keys.newPassword(), fresh.sealingName());
        try {
            database.run(em -> em.persist(fresh));
            return fresh;
        } catch (RuntimeException e) {
            // another backup of the same tenant made it at the same moment (unique per target and tenant)
            return findRepository(tenant, target.id()).orElseThrow(() -> e);
        }
    }

    private Optional<BackupRepositoryEntity> findRepository(UUID tenant, String target) {
        return database.inTransaction(em -> (tenant == null
                ? em.createQuery("select r from BackupRepositoryEntity r where r.target = :t and r.tenantId is null", BackupRepositoryEntity.class)
                : em.createQuery("select r from BackupRepositoryEntity r where r.target = :t and r.tenantId = :tenant", BackupRepositoryEntity.class)
                .setParameter("tenant", tenant)).setParameter("t", target).getResultStream().findFirst());
    }

    /** {@code restic init} and the provider's recovery key, once, under the repository's lease. */
    private void initialize(BackupRepositoryEntity repository, BackupTarget target, BackupTarget.Repository location, String password,
            OperationService.Progress progress) throws IOException {
        BackupRepositoryEntity stored = database.inTransaction(em -> em.find(BackupRepositoryEntity.class, repository.id));
        if (stored.initialized) {
            keepKeyCheap(stored, target, location, password);
            return;
        }
        progress.update(0, "making the tenant's backup repository");
        restic.init(location, password);
        String made = restic.keyId(location, password); // the only key yet: Vessel's own
        restic.hintKey(location.location(), made);
        restic.addKey(location, password, recoveryPassword);
        String keyId = withFastKey(target, stored, location, made, password);
        restic.hintKey(location.location(), keyId);
        database.run(em -> {
            BackupRepositoryEntity r = em.find(BackupRepositoryEntity.class, repository.id);
            r.initialized = true;
            r.keyId = keyId;
        });
        LOG.info("Backup repository made target={} tenant={} location={}", repository.target, tenantName(repository.tenantId), location.location());
    }

    /**
     * A repository made before the panel wrote its own key cheaply (or whose record names a key a stop left behind)
     * gets that key at its next backup, under the lease: from then on its restic calls save half a second each.
     * Looked at once per repository while the panel runs (on an SFTP target each look is a connection).
     */
    private void keepKeyCheap(BackupRepositoryEntity stored, BackupTarget target, BackupTarget.Repository location, String password) {
        if (stored.keyId == null || !keysLookedAt.add(stored.id)) {
            return;
        }
        String keyId = withFastKey(target, stored, location, stored.keyId, password);
        if (!keyId.startsWith(stored.keyId)) {
            restic.hintKey(location.location(), keyId);
            database.run(em -> em.find(BackupRepositoryEntity.class, stored.id).keyId = keyId);
            LOG.info("Backup repository key made cheap target={} tenant={} location={} key={}", stored.target, tenantName(stored.tenantId),
                    location.location(), keyId.substring(0, 8));
        }
    }

    /**
     * The id of Vessel's key of a repository, written anew at a cheap key derivation where the panel can reach the
     * repository's key files — a local directory or an SFTP server ({@link FastRepositoryKey}: every later restic call
     * saves half a second of CPU); restic's own key stays where it cannot (a plugin's target) or that fails (said in
     * the log; the repository works either way).
     */
    private String withFastKey(BackupTarget target, BackupRepositoryEntity repository, BackupTarget.Repository location, String keyId,
            String password) {
        FastRepositoryKey.KeyFiles files;
        if (target instanceof SftpTarget sftp) {
            files = sftp.keyFiles(tenantName(repository.tenantId));
        } else if (location.location().startsWith("/") && Files.isDirectory(Path.of(location.location(), "keys"))) {
            files = FastRepositoryKey.local(Path.of(location.location()));
        } else {
            return keyId;
        }
        try {
            return FastRepositoryKey.ensure(files, keyId, password);
        } catch (IOException | RuntimeException e) {
            LOG.warn("Backup repository keeps restic's key location={}: {}", location.location(), e.getMessage());
            return keyId;
        }
    }

    /** The repository's password; restic is also told, from here on, which of its keys that password opens. */
    private String password(BackupRepositoryEntity repository) {
        restic.hintKey(repository.location, repository.keyId);
        return keys.open(repository.sealedPassword, repository.sealingName());
    }

    private void refreshStoredBytes(BackupRepositoryEntity repository, BackupTarget target) {
        try {
            java.util.OptionalLong counted = target.storedBytes(tenantName(repository.tenantId));
            long stored = counted.isPresent() ? counted.getAsLong() : restic.storedBytes(target.repository(tenantName(repository.tenantId)),
                    password(repository));
            Instant now = clock.instant();
            long total = database.inTransaction(em -> {
                BackupRepositoryEntity r = em.find(BackupRepositoryEntity.class, repository.id);
                r.storedBytes = stored;
                r.storedAt = now;
                em.flush();
                return r.tenantId == null ? 0L : em.createQuery("select coalesce(sum(x.storedBytes), 0) from BackupRepositoryEntity x"
                        + " where x.tenantId = :t", Long.class).setParameter("t", r.tenantId).getSingleResult();
            });
            org.osgi.service.event.EventAdmin admin = events;
            if (admin != null && repository.tenantId != null && !PANEL.equals(repository.tenantId)) {
                // billing meters it (backup storage over time); anybody else may follow it too
                admin.postEvent(new org.osgi.service.event.Event(io.vessel.backup.api.BackupEvents.STORED, Map.of(
                        io.vessel.backup.api.BackupEvents.TENANT, repository.tenantId.toString(), io.vessel.backup.api.BackupEvents.BYTES, total,
                        io.vessel.backup.api.BackupEvents.AT, now.toEpochMilli())));
            }
        } catch (IOException e) {
            LOG.warn("Stored bytes of a backup repository not read repository={}: {}", repository.id, e.getMessage());
        }
    }

    private BackupTarget target(String id) {
        BackupTarget target = targets.get(id == null || id.isBlank() ? defaultTarget : id.strip());
        if (target == null) {
            throw new VeException(VeException.Kind.INVALID, "target", "There is no backup target '" + id + "'; targets: "
                    + String.join(", ", new java.util.TreeSet<>(targets.keySet())) + ".", null);
        }
        return target;
    }

    static String tenantName(UUID tenant) {
        return tenant == null ? "provider" : PANEL.equals(tenant) ? "panel" : tenant.toString();
    }

    private void update(UUID id, java.util.function.Consumer<BackupEntity> change) {
        database.run(em -> {
            BackupEntity b = em.find(BackupEntity.class, id);
            if (b != null) {
                change.accept(b);
            }
        });
    }

    // ---- after a stop ----------------------------------------------------------------------------------------------

    /**
     * What a stop (or a crash) left: restic processes of this panel's are killed before anything else (restic's
     * parent-death signal normally took them already), then the repositories they held are unlocked, backups that
     * were being made are marked failed (their snapshots are the kernel layer's to delete) and deletions that were
     * under way are asked again.
     */
    private void recoverFromStop() throws IOException {
        if (work != null) {
            work.killAll(WORK_GROUP); // restic and its children (ssh), wherever they were started from
        }
        List<Long> killed = ResticProcesses.killLeftBy(caches);
        if (!killed.isEmpty()) {
            LOG.warn("Killed restic processes a stop of the panel left pids={}", killed);
        }
        // the leases this panel held before it stopped, and those of panels that stopped renewing theirs: their restic
        // processes are gone (a node's work for a panel ends when the panel hangs up). The other panels' stay theirs.
        // native SQL: nothing on the start path parses HQL (ANTLR's first parse costs about half a second of CPU; issue 14)
        @SuppressWarnings("unchecked")
        List<BackupRepositoryEntity> held = database.inTransaction(em -> em.createNativeQuery(
                "select * from backup_repository where busy_by is not null", BackupRepositoryEntity.class).getResultList());
        for (BackupRepositoryEntity repository : held) {
            if (!leases.leftBehind(repository.busyBy, repository.busyUntil)) {
                LOG.info("Backup repository busy with another panel's work, left to it repository={} busy=\"{}\"", repository.id, repository.busyWhat);
                continue;
            }
            BackupTarget target = targets.get(repository.target);
            if (target != null && repository.initialized) {
                try {
                    restic.unlock(target.repository(tenantName(repository.tenantId)), password(repository));
                } catch (IOException | IllegalArgumentException e) {
                    // IllegalArgumentException: this panel's master key does not open the repository's password (a
                    // panel whose keys/backup-master.key is not the installation's): its start must go on
                    LOG.warn("Backup repository not unlocked repository={}: {}", repository.id, e.getMessage());
                }
            }
            database.run(em -> em.createNativeQuery("update backup_repository set busy_by = null, busy_what = null, busy_until = null"
                    + " where id = ?1 and busy_by = ?2").setParameter(1, repository.id).setParameter(2, repository.busyBy).executeUpdate());
            LOG.warn("Backup repository lease a stop left was given back repository={} was=\"{}\"", repository.id, repository.busyWhat);
        }
        // backups whose operation no longer runs (this panel's, interrupted by its stop; or another's that died): the
        // backups other panels are making go on
        Instant now = clock.instant();
        @SuppressWarnings("unchecked")
        List<BackupEntity> open = database.inTransaction(em -> em.createNativeQuery("select * from backup where state in ('QUEUED', 'RUNNING')",
                BackupEntity.class).getResultList());
        int failed = 0;
        for (BackupEntity b : open) {
            boolean running = b.operationId == null ? b.createdAt.isAfter(now.minus(Duration.ofMinutes(1)))
                    : operations.find(b.operationId).map(o -> !o.state().finished()).orElse(false);
            if (!running) {
                failed += database.inTransaction(em -> em.createNativeQuery("update backup set state = 'FAILED', error = ?1, finished_at = ?2"
                                + " where id = ?3 and state in ('QUEUED', 'RUNNING')").setParameter(1, "the panel stopped while the backup was being made")
                        .setParameter(2, now).setParameter(3, b.id).executeUpdate());
            }
        }
        if (failed > 0) {
            LOG.warn("Backups the panel's stop interrupted are marked failed count={}", failed);
        }
        @SuppressWarnings("unchecked")
        List<BackupEntity> deleting = database.inTransaction(em -> em.createNativeQuery("select * from backup where state = 'DELETING'", BackupEntity.class)
                .getResultList());
        deleting.forEach(this::submitDeletion);
    }

    static String clip(String text) {
        return text == null ? null : text.length() > 1900 ? text.substring(0, 1900) + "…" : text;
    }

    Duration planScheduleSync() {
        return planScheduleSync;
    }

    /** What the tenants' plans allow (billing answers); null when nothing answers. */
    io.vessel.backup.api.BackupQuota quota() {
        return quota;
    }

    java.util.Optional<Duration> terminatedRetention() {
        return java.util.Optional.ofNullable(terminatedRetention);
    }

    Duration minScheduleInterval() {
        return minScheduleInterval;
    }

    /** VEs whose backup or restore runs now (for the lifecycle guard). */
    boolean busy(int veId) {
        return busyVes.contains(veId);
    }

    List<String> targetIds() {
        return new ArrayList<>(targets.keySet());
    }
}
