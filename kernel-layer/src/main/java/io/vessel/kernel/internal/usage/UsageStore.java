package io.vessel.kernel.internal.usage;

import io.vessel.kernel.api.UsageSample;
import io.vessel.persistence.api.Database;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.hibernate.Session;

/**
 * The usage tables, written in JDBC batches (one round trip per sweep, whatever the number of VEs) and rolled up
 * by plain SQL that H2 and PostgreSQL both run.
 */
final class UsageStore {

    static final int RAW = 0;
    static final int MINUTE = 1;
    static final int HOUR = 2;

    static final String COLUMNS = "ve_id, resolution, at, cpu_ns_total, memory_bytes, memory_peak_bytes, swap_bytes, processes, "
            + "disk_bytes, disk_inodes, read_bytes_total, write_bytes_total, read_ops_total, write_ops_total, "
            + "net_rx_bytes_total, net_tx_bytes_total, net_rx_packets_total, net_tx_packets_total, "
            + "memory_kib_seconds_total, disk_kib_seconds_total, running_ms_total, address_ms_total, net_external_tx_bytes_total, "
            + "net_external_rx_bytes_total";
    private static final String HELD_COLUMNS = ", memory_kib_seconds_total, disk_kib_seconds_total, running_ms_total, address_ms_total, "
            + "sampled_at, last_disk_bytes, last_addresses";

    private final Database database;

    UsageStore(Database database) {
        this.database = database;
    }

    private <T> T jdbc(Function<Connection, T> work) {
        return database.inTransaction(em -> em.unwrap(Session.class).doReturningWork(connection -> work.apply(connection)));
    }

    private static String counterColumns() {
        StringBuilder columns = new StringBuilder();
        for (String c : LifetimeCounters.COLUMNS) {
            columns.append(", ").append(c).append("_raw, ").append(c).append("_total");
        }
        return columns.toString();
    }

    /** Where every VE's counters stood at the last sweep. */
    Map<Integer, LifetimeCounters> loadCounters() {
        return jdbc(c -> {
            Map<Integer, LifetimeCounters> counters = new HashMap<>();
            try (PreparedStatement s = c.prepareStatement("SELECT ve_id, cgroup_id, memory_peak_bytes" + counterColumns() + HELD_COLUMNS + " FROM ve_counter");
                 ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    long[] raw = new long[LifetimeCounters.COUNT];
                    long[] total = new long[LifetimeCounters.COUNT];
                    for (int i = 0; i < LifetimeCounters.COUNT; i++) {
                        raw[i] = r.getLong(4 + 2 * i);
                        total[i] = r.getLong(5 + 2 * i);
                    }
                    int h = 4 + 2 * LifetimeCounters.COUNT;
                    HeldIntegrals held = new HeldIntegrals(r.getLong(h), r.getLong(h + 1), r.getLong(h + 2), r.getLong(h + 3),
                            r.getTimestamp(h + 4).toInstant(), r.getLong(h + 5), r.getInt(h + 6));
                    counters.put(r.getInt(1), new LifetimeCounters(r.getLong(2), raw, total, r.getLong(3), held));
                }
            } catch (SQLException e) {
                throw new IllegalStateException("reading VE counters failed: " + e.getMessage(), e);
            }
            return counters;
        });
    }

    /** Stores one sweep: the samples and where the counters stand now. */
    void save(List<UsageSample> samples, Map<Integer, LifetimeCounters> counters, java.util.Set<Integer> knownCounters) {
        StringBuilder sets = new StringBuilder("cgroup_id=?, sampled_at=?, memory_peak_bytes=?, memory_kib_seconds_total=?, "
                + "disk_kib_seconds_total=?, running_ms_total=?, address_ms_total=?, last_disk_bytes=?, last_addresses=?");
        StringBuilder names = new StringBuilder("cgroup_id, sampled_at, memory_peak_bytes, memory_kib_seconds_total, disk_kib_seconds_total, "
                + "running_ms_total, address_ms_total, last_disk_bytes, last_addresses");
        StringBuilder marks = new StringBuilder("?,?,?,?,?,?,?,?,?");
        for (String column : LifetimeCounters.COLUMNS) {
            sets.append(", ").append(column).append("_raw=?, ").append(column).append("_total=?");
            names.append(", ").append(column).append("_raw, ").append(column).append("_total");
            marks.append(",?,?");
        }
        jdbc(c -> {
            try (PreparedStatement insert = c.prepareStatement("INSERT INTO ve_usage (" + COLUMNS + ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
                 PreparedStatement update = c.prepareStatement("UPDATE ve_counter SET " + sets + " WHERE ve_id=?");
                 PreparedStatement create = c.prepareStatement("INSERT INTO ve_counter (" + names + ", ve_id) VALUES (" + marks + ",?)")) {
                for (UsageSample s : samples) {
                    bindSample(insert, s);
                    insert.addBatch();
                    LifetimeCounters counter = counters.get(s.veId());
                    PreparedStatement target = knownCounters.contains(s.veId()) ? update : create;
                    target.setLong(1, counter.cgroupId());
                    target.setTimestamp(2, Timestamp.from(s.at()));
                    target.setLong(3, counter.memoryPeak());
                    HeldIntegrals held = counter.held();
                    target.setLong(4, held.memoryKibSeconds());
                    target.setLong(5, held.diskKibSeconds());
                    target.setLong(6, held.runningMillis());
                    target.setLong(7, held.addressMillis());
                    target.setLong(8, held.lastDiskBytes());
                    target.setInt(9, held.lastAddresses());
                    for (int i = 0; i < LifetimeCounters.COUNT; i++) {
                        target.setLong(10 + 2 * i, counter.raw()[i]);
                        target.setLong(11 + 2 * i, counter.total()[i]);
                    }
                    target.setInt(10 + 2 * LifetimeCounters.COUNT, s.veId());
                    target.addBatch();
                }
                insert.executeBatch();
                update.executeBatch();
                create.executeBatch();
            } catch (SQLException e) {
                throw new IllegalStateException("storing usage samples failed: " + e.getMessage(), e);
            }
            return null;
        });
    }

    private static void bindSample(PreparedStatement p, UsageSample s) throws SQLException {
        p.setInt(1, s.veId());
        p.setInt(2, RAW);
        p.setTimestamp(3, Timestamp.from(s.at()));
        p.setLong(4, s.cpuNanosTotal());
        p.setLong(5, s.memoryBytes());
        p.setLong(6, s.memoryPeakBytes());
        p.setLong(7, s.swapBytes());
        p.setLong(8, s.processes());
        nullable(p, 9, s.diskBytes());
        nullable(p, 10, s.diskInodes());
        p.setLong(11, s.readBytesTotal());
        p.setLong(12, s.writeBytesTotal());
        p.setLong(13, s.readOpsTotal());
        p.setLong(14, s.writeOpsTotal());
        nullable(p, 15, s.netRxBytesTotal());
        nullable(p, 16, s.netTxBytesTotal());
        nullable(p, 17, s.netRxPacketsTotal());
        nullable(p, 18, s.netTxPacketsTotal());
        nullable(p, 19, s.memoryKibSecondsTotal());
        nullable(p, 20, s.diskKibSecondsTotal());
        nullable(p, 21, s.runningMillisTotal());
        nullable(p, 22, s.addressMillisTotal());
        nullable(p, 23, s.netExternalTxBytesTotal());
        nullable(p, 24, s.netExternalRxBytesTotal());
    }

    private static void nullable(PreparedStatement p, int index, Long value) throws SQLException {
        if (value == null) {
            p.setNull(index, Types.BIGINT);
        } else {
            p.setLong(index, value);
        }
    }

    /**
     * Rolls the rows of {@code from} resolution in [start, end) up into one row per VE at {@code start}: counters
     * keep their last (largest) value, gauges their average, peaks their maximum.
     */
    int rollUp(int from, int to, Instant start, Instant end) {
        return jdbc(c -> {
            try (PreparedStatement s = c.prepareStatement("INSERT INTO ve_usage (" + COLUMNS + ") SELECT ve_id, ?, ?, MAX(cpu_ns_total), "
                    + "CAST(AVG(memory_bytes) AS BIGINT), MAX(memory_peak_bytes), CAST(AVG(swap_bytes) AS BIGINT), CAST(AVG(processes) AS BIGINT), "
                    + "MAX(disk_bytes), MAX(disk_inodes), MAX(read_bytes_total), MAX(write_bytes_total), MAX(read_ops_total), MAX(write_ops_total), "
                    + "MAX(net_rx_bytes_total), MAX(net_tx_bytes_total), MAX(net_rx_packets_total), MAX(net_tx_packets_total), "
                    + "MAX(memory_kib_seconds_total), MAX(disk_kib_seconds_total), MAX(running_ms_total), MAX(address_ms_total), "
                    + "MAX(net_external_tx_bytes_total), MAX(net_external_rx_bytes_total) "
                    + "FROM ve_usage WHERE resolution = ? AND at >= ? AND at < ? GROUP BY ve_id")) {
                s.setInt(1, to);
                s.setTimestamp(2, Timestamp.from(start));
                s.setInt(3, from);
                s.setTimestamp(4, Timestamp.from(start));
                s.setTimestamp(5, Timestamp.from(end));
                return s.executeUpdate();
            } catch (SQLException e) {
                throw new IllegalStateException("rolling up usage failed: " + e.getMessage(), e);
            }
        });
    }

    /** The newest row time of a resolution, if any. */
    Instant newest(int resolution) {
        return jdbc(c -> {
            try (PreparedStatement s = c.prepareStatement("SELECT MAX(at) FROM ve_usage WHERE resolution = ?")) {
                s.setInt(1, resolution);
                try (ResultSet r = s.executeQuery()) {
                    Timestamp t = r.next() ? r.getTimestamp(1) : null;
                    return t == null ? null : t.toInstant();
                }
            } catch (SQLException e) {
                throw new IllegalStateException(e.getMessage(), e);
            }
        });
    }

    int deleteOlderThan(int resolution, Instant limit) {
        return jdbc(c -> {
            try (PreparedStatement s = c.prepareStatement("DELETE FROM ve_usage WHERE resolution = ? AND at < ?")) {
                s.setInt(1, resolution);
                s.setTimestamp(2, Timestamp.from(limit));
                return s.executeUpdate();
            } catch (SQLException e) {
                throw new IllegalStateException("deleting old usage failed: " + e.getMessage(), e);
            }
        });
    }

    /** Forgets a destroyed VE's counters (its samples age out with the retention). */
    void forget(int veId) {
        jdbc(c -> {
            try (PreparedStatement s = c.prepareStatement("DELETE FROM ve_counter WHERE ve_id = ?")) {
                s.setInt(1, veId);
                return s.executeUpdate();
            } catch (SQLException e) {
                throw new IllegalStateException(e.getMessage(), e);
            }
        });
    }

    /**
     * The newest stored state of a VE's counters as of {@code at}, from any resolution. A rollup row stands at its
     * bucket's start but holds the counters at the bucket's end, so it counts only once its bucket is over by
     * {@code at}, and is answered with the bucket's end as its time: the counters were at least that by then.
     */
    java.util.Optional<UsageSample> latestAtOrBefore(int veId, Instant at) {
        return java.util.Optional.ofNullable(latestAtOrBefore(List.of(veId), at).get(veId));
    }

    /** The same for many VEs, in one transaction with one statement per VE (the rating of a billing run asks in bulk). */
    Map<Integer, UsageSample> latestAtOrBefore(java.util.Collection<Integer> veIds, Instant at) {
        return jdbc(c -> {
            Map<Integer, UsageSample> newest = new HashMap<>();
            String one = "(SELECT " + COLUMNS + " FROM ve_usage WHERE ve_id = ? AND resolution = ? AND at <= ? ORDER BY at DESC FETCH FIRST 1 ROWS ONLY)";
            long[][] resolutions = {{RAW, 0}, {MINUTE, 60}, {HOUR, 3600}};
            try (PreparedStatement s = c.prepareStatement(one + " UNION ALL " + one + " UNION ALL " + one)) {
                for (int veId : veIds) {
                    for (int i = 0; i < resolutions.length; i++) {
                        s.setInt(3 * i + 1, veId);
                        s.setInt(3 * i + 2, (int) resolutions[i][0]);
                        s.setTimestamp(3 * i + 3, Timestamp.from(at.minusSeconds(resolutions[i][1])));
                    }
                    UsageSample best = null;
                    try (ResultSet r = s.executeQuery()) {
                        while (r.next()) {
                            int resolution = r.getInt(2);
                            UsageSample row = sample(r);
                            Instant effective = row.at().plusSeconds(resolution == RAW ? 0 : resolution == MINUTE ? 60 : 3600);
                            if (best == null || effective.isAfter(best.at())) {
                                best = row.asOf(effective);
                            }
                        }
                    }
                    if (best != null) {
                        newest.put(veId, best);
                    }
                }
            } catch (SQLException e) {
                throw new IllegalStateException("reading usage failed: " + e.getMessage(), e);
            }
            return newest;
        });
    }

    /** Rows of one VE and resolution in [from, to), oldest first, as sample records. */
    List<UsageSample> rows(int veId, int resolution, Instant from, Instant to) {
        return jdbc(c -> {
            List<UsageSample> rows = new ArrayList<>();
            try (PreparedStatement s = c.prepareStatement("SELECT " + COLUMNS + " FROM ve_usage WHERE ve_id = ? AND resolution = ? AND at >= ? AND at < ? ORDER BY at")) {
                s.setInt(1, veId);
                s.setInt(2, resolution);
                s.setTimestamp(3, Timestamp.from(from));
                s.setTimestamp(4, Timestamp.from(to));
                try (ResultSet r = s.executeQuery()) {
                    while (r.next()) {
                        rows.add(sample(r));
                    }
                }
            } catch (SQLException e) {
                throw new IllegalStateException("reading usage failed: " + e.getMessage(), e);
            }
            return rows;
        });
    }

    /** A row of {@link #COLUMNS} as a sample. */
    private static UsageSample sample(ResultSet r) throws SQLException {
        return new UsageSample(r.getInt(1), r.getTimestamp(3).toInstant(), r.getLong(4), r.getLong(5), r.getLong(6), r.getLong(7),
                r.getLong(8), r.getObject(9, Long.class), r.getObject(10, Long.class), r.getLong(11), r.getLong(12), r.getLong(13),
                r.getLong(14), r.getObject(15, Long.class), r.getObject(16, Long.class), r.getObject(17, Long.class),
                r.getObject(18, Long.class), r.getObject(19, Long.class), r.getObject(20, Long.class), r.getObject(21, Long.class),
                r.getObject(22, Long.class), r.getObject(23, Long.class), r.getObject(24, Long.class));
    }
}
