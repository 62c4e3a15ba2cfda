package io.vessel.kernel.internal.network;

import io.vessel.kernel.api.IpAssignment;
import io.vessel.kernel.api.IpPool;
import io.vessel.kernel.api.IpPoolMode;
import io.vessel.kernel.api.NetworkService;
import io.vessel.kernel.api.NewIpPool;
import io.vessel.kernel.api.VeException;
import io.vessel.kernel.api.VeException.Kind;
import io.vessel.persistence.api.Database;
import jakarta.persistence.EntityManager;
import jakarta.persistence.LockModeType;
import java.math.BigInteger;
import java.net.InetAddress;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.IntConsumer;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * IP pools in the database. Allocation locks the pool's row for the length of its transaction, so concurrent
 * requests (also from several panels on one PostgreSQL) take turns; the address being the primary key is the
 * last guard against handing one out twice.
 */
public final class IpPools implements NetworkService {

    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,62}");
    private static final Logger LOG = LoggerFactory.getLogger(IpPools.class);
    /** Addresses scanned for a free one at most (an IPv6 /64 is never scanned whole). */
    private static final int SCAN_LIMIT = 1 << 20;

    private final Database database;
    private final UUID node;
    /** Throws NOT_FOUND for no such VE, CONFLICT while the node of the VE is out of reach (nothing can be applied there). */
    private final IntConsumer requireVe;
    private volatile IntConsumer changed = id -> { };

    /** Told when a VE's addresses change, so a running VE's interface follows. */
    public void onChange(IntConsumer listener) {
        this.changed = listener;
    }

    public IpPools(Database database, UUID node, IntConsumer requireVe) {
        this.database = database;
        this.node = node;
        this.requireVe = requireVe;
    }

    @Override
    public List<IpPool> pools() {
        return database.inTransaction(em -> em.createQuery("select p from IpPoolEntity p order by p.name", IpPoolEntity.class)
                .getResultList().stream().map(p -> view(em, p)).toList());
    }

    @Override
    public Optional<IpPool> pool(String name) {
        return database.inTransaction(em -> Optional.ofNullable(em.find(IpPoolEntity.class, name)).map(p -> view(em, p)));
    }

    private static IpPool view(EntityManager em, IpPoolEntity pool) {
        long allocated = em.createQuery("select count(a) from IpAddressEntity a where a.pool = :pool", Long.class)
                .setParameter("pool", pool.name()).getSingleResult();
        return pool.toPool(capacity(pool), allocated);
    }

    /** Usable addresses less the gateway and exclusions that lie in the network. */
    private static long capacity(IpPoolEntity pool) {
        Cidr cidr = pool.cidr();
        BigInteger usable = cidr.size().subtract(BigInteger.valueOf(cidr.ipv6() || cidr.prefixLength() >= 31 ? 1 : 2));
        Set<String> reserved = new HashSet<>(pool.excluded());
        reserved.add(pool.gateway());
        for (String r : reserved) {
            InetAddress a = Cidr.address(r);
            if (a != null && cidr.contains(a) && cidr.usable(cidr.indexOf(a))) {
                usable = usable.subtract(BigInteger.ONE);
            }
        }
        return usable.min(BigInteger.valueOf(Long.MAX_VALUE)).longValue();
    }

    @Override
    public IpPool createPool(NewIpPool request) {
        if (request == null || request.name() == null || !NAME.matcher(request.name()).matches()) {
            throw new VeException(Kind.INVALID, "name", "name must be 1 to 63 lower-case letters, digits, dots, dashes or underscores", null);
        }
        Cidr cidr = Cidr.parse(request.cidr());
        if (cidr == null) {
            throw new VeException(Kind.INVALID, "cidr", "cidr must be a network such as 192.0.2.0/24 or 2001:db8::/64, with the host bits zero", null);
        }
        if (!cidr.ipv6() && cidr.prefixLength() > 30 || cidr.ipv6() && cidr.prefixLength() > 126) {
            throw new VeException(Kind.INVALID, "cidr", "the network is too small for a gateway and a VE", null);
        }
        String gateway = request.gateway() != null ? canonical(request.gateway(), "gateway") : Cidr.text(cidr.at(BigInteger.ONE));
        if (!cidr.contains(Cidr.address(gateway)) || !cidr.usable(cidr.indexOf(Cidr.address(gateway)))) {
            throw new VeException(Kind.UNPROCESSABLE, "gateway", "the gateway " + gateway + " is not a host address of " + cidr, null);
        }
        List<String> excluded = new ArrayList<>();
        for (String e : request.excluded() == null ? List.<String>of() : request.excluded()) {
            excluded.add(canonical(e, "excluded"));
        }
        List<String> dns = new ArrayList<>();
        for (String d : request.dns() == null ? List.<String>of() : request.dns()) {
            dns.add(canonical(d, "dns"));
        }
        if (dns.size() > 3) {
            throw new VeException(Kind.INVALID, "dns", "at most 3 name servers (what resolv.conf uses)", null);
        }
        IpPoolMode mode = request.mode() == null ? IpPoolMode.NAT : request.mode();
        List<UUID> reached = new ArrayList<>();
        for (String n : request.nodes() == null ? List.<String>of() : request.nodes()) {
            try {
                UUID id = UUID.fromString(n == null ? "" : n.strip());
                if (!reached.contains(id)) {
                    reached.add(id);
                }
            } catch (IllegalArgumentException e) {
                throw new VeException(Kind.INVALID, "nodes", "'" + n + "' is not a node id", null);
            }
        }
        return database.inTransaction(em -> {
            for (UUID id : reached) {
                if (em.createNativeQuery("select 1 from node where id = ?1").setParameter(1, id).getResultList().isEmpty()) {
                    throw new VeException(Kind.INVALID, "nodes", "there is no node " + id, null);
                }
            }
            if (em.find(IpPoolEntity.class, request.name()) != null) {
                throw new VeException(Kind.CONFLICT, "name", "IP pool " + request.name() + " exists already", null);
            }
            for (IpPoolEntity other : em.createQuery("select p from IpPoolEntity p", IpPoolEntity.class).getResultList()) {
                Cidr o = other.cidr();
                if (o.ipv6() == cidr.ipv6() && (o.contains(cidr.network()) || cidr.contains(o.network()))) {
                    throw new VeException(Kind.CONFLICT, "cidr", cidr + " overlaps IP pool " + other.name() + " (" + o + ")", null);
                }
            }
            IpPoolEntity pool = new IpPoolEntity(request.name(), cidr.toString(), gateway, mode, excluded, dns, node, now(),
                    request.owner() == null || request.owner().isBlank() ? null : request.owner().strip(), reached);
            em.persist(pool);
            LOG.info("IP pool created pool={} cidr={} gateway={} mode={} nodes={}", request.name(), cidr, gateway, mode,
                    reached.isEmpty() ? "all" : reached);
            return view(em, pool);
        });
    }

    private static String canonical(String address, String field) {
        InetAddress a = Cidr.address(address);
        if (a == null) {
            throw new VeException(Kind.INVALID, field, "'" + address + "' is not an IP address", null);
        }
        return Cidr.text(a);
    }

    /**
     * Why node {@code node} cannot hold a VE with addresses of {@code pools}: the first of them whose network does not
     * reach it; empty when all do (or there are none).
     */
    public Optional<String> unreachable(java.util.Collection<String> pools, UUID node) {
        if (pools.isEmpty()) {
            return Optional.empty();
        }
        return database.inTransaction(em -> {
            for (String name : new java.util.TreeSet<>(pools)) {
                IpPoolEntity pool = em.find(IpPoolEntity.class, name);
                if (pool != null && !pool.reaches(node)) {
                    return Optional.of("IP pool " + name + " does not reach it");
                }
            }
            return Optional.<String>empty();
        });
    }

    /** The pools VE {@code veId} holds addresses of. */
    public java.util.Set<String> poolsOf(int veId) {
        return database.inTransaction(em -> new java.util.TreeSet<>(em.createQuery("select distinct a.pool from IpAddressEntity a where a.veId = :ve",
                String.class).setParameter("ve", veId).getResultList()));
    }

    @Override
    public void deletePool(String name) {
        database.run(em -> {
            IpPoolEntity pool = em.find(IpPoolEntity.class, name, LockModeType.PESSIMISTIC_WRITE);
            if (pool == null) {
                throw new VeException(Kind.NOT_FOUND, "there is no IP pool " + name);
            }
            List<Integer> holders = em.createQuery("select distinct a.veId from IpAddressEntity a where a.pool = :pool order by a.veId", Integer.class)
                    .setParameter("pool", name).getResultList();
            if (!holders.isEmpty()) {
                throw new VeException(Kind.CONFLICT, "IP pool " + name + " has addresses held by VE" + (holders.size() > 1 ? "s " : " ")
                        + holders.stream().map(String::valueOf).reduce((a, b) -> a + ", " + b).orElse("") + "; release them first");
            }
            em.remove(pool);
        });
        LOG.info("IP pool deleted pool={}", name);
    }

    @Override
    public IpAssignment allocate(int veId, String poolName, String wanted) {
        requireVe.accept(veId);
        if (poolName == null) {
            throw new VeException(Kind.INVALID, "pool", "pool is required", null);
        }
        InetAddress requested = null;
        if (wanted != null) {
            requested = Cidr.address(wanted);
            if (requested == null) {
                throw new VeException(Kind.INVALID, "address", "'" + wanted + "' is not an IP address", null);
            }
        }
        InetAddress chosenRequest = requested;
        IpAssignment assignment = database.inTransaction(em -> {
            IpPoolEntity pool = em.find(IpPoolEntity.class, poolName, LockModeType.PESSIMISTIC_WRITE);
            if (pool == null) {
                throw new VeException(Kind.NOT_FOUND, "there is no IP pool " + poolName);
            }
            List<?> veNode = em.createNativeQuery("select cast(node_id as varchar(36)) from ve where id = ?1").setParameter(1, veId).getResultList();
            if (!veNode.isEmpty() && veNode.get(0) != null && !pool.reaches(UUID.fromString(veNode.get(0).toString()))) {
                throw new VeException(Kind.CONFLICT, "pool", "IP pool " + poolName + " does not reach node " + veNode.get(0) + ", where VE "
                        + veId + " runs (it reaches " + pool.nodes() + ")", null);
            }
            Cidr cidr = pool.cidr();
            Set<String> taken = new HashSet<>(em.createQuery("select a.address from IpAddressEntity a where a.pool = :pool", String.class)
                    .setParameter("pool", poolName).getResultList());
            Set<String> reserved = new HashSet<>(pool.excluded());
            reserved.add(pool.gateway());
            String address;
            if (chosenRequest != null) {
                address = Cidr.text(chosenRequest);
                if (!cidr.contains(chosenRequest) || !cidr.usable(cidr.indexOf(chosenRequest)) || reserved.contains(address)) {
                    throw new VeException(Kind.UNPROCESSABLE, "address", address + " is not an address IP pool " + poolName + " hands out ("
                            + cidr + ", gateway and exclusions reserved)", null);
                }
                if (taken.contains(address)) {
                    throw new VeException(Kind.CONFLICT, "address", address + " is held already", null);
                }
            } else {
                address = firstFree(cidr, taken, reserved).orElseThrow(() -> new VeException(Kind.CONFLICT, "pool",
                        "IP pool " + poolName + " is exhausted: all " + capacity(pool) + " addresses are held", null));
            }
            IpAddressEntity entity = new IpAddressEntity(address, poolName, veId, now());
            em.persist(entity);
            return new IpAssignment(address, poolName, cidr.prefixLength(), pool.gateway(), veId, entity.allocatedAt());
        });
        LOG.info("IP address allocated ve={} address={} pool={}", veId, assignment.address(), poolName);
        changed.accept(veId);
        return assignment;
    }

    private static Optional<String> firstFree(Cidr cidr, Set<String> taken, Set<String> reserved) {
        BigInteger size = cidr.size();
        for (BigInteger i = BigInteger.ONE; i.compareTo(size) < 0 && i.intValue() < SCAN_LIMIT; i = i.add(BigInteger.ONE)) {
            if (!cidr.usable(i)) {
                continue;
            }
            String candidate = Cidr.text(cidr.at(i));
            if (!taken.contains(candidate) && !reserved.contains(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    @Override
    public void release(int veId, String address) {
        requireVe.accept(veId);
        InetAddress parsed = Cidr.address(address);
        String canonical = parsed == null ? address : Cidr.text(parsed);
        int forwards = database.inTransaction(em -> {
            IpAddressEntity held = em.find(IpAddressEntity.class, canonical);
            if (held == null || held.veId() != veId) {
                throw new VeException(Kind.NOT_FOUND, "VE " + veId + " holds no address " + address);
            }
            em.remove(held);
            return em.createQuery("delete from PortForwardEntity f where f.veId = :ve and f.address = :address").setParameter("ve", veId)
                    .setParameter("address", canonical).executeUpdate();
        });
        if (forwards > 0) {
            forwardsChanged.accept(veId);
        }
        LOG.info("IP address released ve={} address={}", veId, canonical);
        changed.accept(veId);
    }

    /** Releases every address of a destroyed VE. */
    public void releaseAll(int veId) {
        int forwards = database.inTransaction(em -> em.createQuery("delete from PortForwardEntity f where f.veId = :ve")
                .setParameter("ve", veId).executeUpdate());
        if (forwards > 0) {
            forwardsChanged.accept(veId);
        }
        int released = database.inTransaction(em -> em.createQuery("delete from IpAddressEntity a where a.veId = :ve")
                .setParameter("ve", veId).executeUpdate());
        if (released > 0) {
            LOG.info("IP addresses released ve={} count={}", veId, released);
        }
    }

    /** How many addresses each VE holds, in one query (accounting integrates them every sweep). */
    public java.util.Map<Integer, Integer> addressCounts() {
        return database.inTransaction(em -> {
            java.util.Map<Integer, Integer> counts = new java.util.HashMap<>();
            for (Object[] row : em.createQuery("select a.veId, count(a) from IpAddressEntity a group by a.veId", Object[].class).getResultList()) {
                counts.put(((Number) row[0]).intValue(), ((Number) row[1]).intValue());
            }
            return counts;
        });
    }

    @Override
    public List<IpAssignment> addresses(int veId) {
        return database.inTransaction(em -> {
            List<IpAssignment> out = new ArrayList<>();
            for (IpAddressEntity a : em.createQuery("select a from IpAddressEntity a where a.veId = :ve order by a.allocatedAt", IpAddressEntity.class)
                    .setParameter("ve", veId).getResultList()) {
                IpPoolEntity pool = em.find(IpPoolEntity.class, a.pool());
                out.add(new IpAssignment(a.address(), a.pool(), pool.cidr().prefixLength(), pool.gateway(), veId, a.allocatedAt()));
            }
            return out;
        });
    }

    @Override
    public List<io.vessel.kernel.api.PortForward> forwards(int veId) {
        return database.inTransaction(em -> em.createQuery("select f from PortForwardEntity f where f.veId = :ve order by f.id", PortForwardEntity.class)
                .setParameter("ve", veId).getResultList().stream().map(PortForwardEntity::toForward).toList());
    }

    /** Every forward of this node, for writing the rules. */
    public List<io.vessel.kernel.api.PortForward> allForwards() {
        // native SQL: nothing on the start path parses HQL (ANTLR's first parse costs about half a second of CPU; issue 14)
        @SuppressWarnings("unchecked")
        List<PortForwardEntity> forwards = database.inTransaction(em -> em.createNativeQuery("select * from port_forward where node_id = ?1 order by id",
                PortForwardEntity.class).setParameter(1, node).getResultList());
        return forwards.stream().map(PortForwardEntity::toForward).toList();
    }

    @Override
    public io.vessel.kernel.api.PortForward forward(int veId, String protocol, int hostPort, int port) {
        requireVe.accept(veId);
        if (!"tcp".equals(protocol) && !"udp".equals(protocol)) {
            throw new VeException(Kind.INVALID, "protocol", "protocol must be tcp or udp", null);
        }
        if (hostPort < 1 || hostPort > 65535) {
            throw new VeException(Kind.INVALID, "hostPort", "hostPort must be between 1 and 65535", null);
        }
        if (port < 1 || port > 65535) {
            throw new VeException(Kind.INVALID, "port", "port must be between 1 and 65535", null);
        }
        io.vessel.kernel.api.PortForward created = database.inTransaction(em -> {
            String address = interfaceAddressesIn(em, veId).stream().filter(a -> a.mode() == IpPoolMode.NAT && !a.network().ipv6())
                    .map(PoolAddress::address).findFirst().orElseThrow(() -> new VeException(Kind.UNPROCESSABLE, "hostPort",
                            "VE " + veId + " has no IPv4 address from a NAT pool to forward to", null));
            UUID veNode = nodeOf(em, veId);
            if (em.find(PortForwardEntity.class, PortForwardEntity.key(veNode, protocol, hostPort)) != null) {
                throw new VeException(Kind.CONFLICT, "hostPort", protocol + " port " + hostPort + " of the host"
                        + (veNode.equals(node) ? "" : " of node " + veNode) + " is forwarded already", null);
            }
            PortForwardEntity entity = new PortForwardEntity(veNode, protocol, hostPort, veId, address, port, now());
            em.persist(entity);
            return entity.toForward();
        });
        LOG.info("Port forward added ve={} protocol={} hostPort={} to={}:{}", veId, protocol, hostPort, created.address(), port);
        forwardsChanged.accept(veId);
        return created;
    }

    @Override
    public void removeForward(int veId, String protocol, int hostPort) {
        requireVe.accept(veId);
        database.run(em -> {
            PortForwardEntity entity = em.find(PortForwardEntity.class, PortForwardEntity.key(nodeOf(em, veId), protocol, hostPort));
            if (entity == null || entity.veId() != veId) {
                throw new VeException(Kind.NOT_FOUND, "VE " + veId + " has no forward of " + protocol + " port " + hostPort);
            }
            em.remove(entity);
        });
        LOG.info("Port forward removed ve={} protocol={} hostPort={}", veId, protocol, hostPort);
        forwardsChanged.accept(veId);
    }

    /** The node a VE is on: its port forwards are that node's host's. */
    private UUID nodeOf(EntityManager em, int veId) {
        return em.createQuery("select v.nodeId from VeEntity v where v.id = :ve", UUID.class).setParameter("ve", veId).getResultStream()
                .findFirst().orElseThrow(() -> new VeException(Kind.NOT_FOUND, "there is no VE " + veId));
    }

    private volatile IntConsumer forwardsChanged = id -> { };

    /** Told (with the VE's id) when forwards change, so the rules of the VE's node's host follow. */
    public void onForwardsChange(IntConsumer listener) {
        this.forwardsChanged = listener;
    }

    /** The pools' settings behind a VE's addresses, for configuring its interface. */
    public List<PoolAddress> interfaceAddresses(int veId) {
        return database.inTransaction(em -> interfaceAddressesIn(em, veId));
    }

    private static List<PoolAddress> interfaceAddressesIn(EntityManager em, int veId) {
        {
            List<PoolAddress> out = new ArrayList<>();
            for (IpAddressEntity a : em.createQuery("select a from IpAddressEntity a where a.veId = :ve order by a.allocatedAt", IpAddressEntity.class)
                    .setParameter("ve", veId).getResultList()) {
                IpPoolEntity pool = em.find(IpPoolEntity.class, a.pool());
                out.add(new PoolAddress(a.address(), pool.cidr(), pool.gateway(), pool.mode(), pool.dns()));
            }
            return out;
        }
    }

    /** An address with what its interface needs to know of the pool. */
    public record PoolAddress(String address, Cidr network, String gateway, IpPoolMode mode, List<String> dns) {
    }

    private static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MICROS);
    }
}
