package io.vessel.operations.internal;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executor;

/**
 * Runs queued work on a fixed number of slots, fairly between owners (tenants): each owner has its own queue,
 * owners take turns, and no owner holds more than {@code perOwner} slots while others wait — so one tenant's
 * flood or stuck operations never starve another tenant's.
 *
 * <p>A slot whose work overran its time limit can be {@linkplain Slot#abandon() abandoned}: the slot is given to
 * the next work at once and the thread that holds the stuck work is never used again (a time limit cannot unblock
 * a thread stuck in a system call; the executor must make new threads, never reuse a busy one).
 */
final class FairScheduler {

    /** One unit of work's claim on a slot. */
    final class Slot {
        private final String owner;
        private boolean released;

        private Slot(String owner) {
            this.owner = owner;
        }

        /** Gives the slot back while the work may still be running (it overran its limit). */
        void abandon() {
            release(this);
        }
    }

    /** Work that learns its slot before it runs. */
    interface Work {
        void run(Slot slot);
    }

    private final int slots;
    private final int perOwner;
    private final Executor threads;
    /** Owners with queued work. */
    private final Map<String, Deque<Work>> queues = new HashMap<>();
    private final Map<String, Integer> running = new HashMap<>();
    /** When each owner with queued or running work was last given a slot: the longest waiting goes next. */
    private final Map<String, Long> lastServed = new HashMap<>();
    private long ticks;
    private int busy;

    FairScheduler(int slots, int perOwner, Executor threads) {
        if (slots < 1 || perOwner < 1) {
            throw new IllegalArgumentException("slots and perOwner must be at least 1");
        }
        this.slots = slots;
        this.perOwner = Math.min(perOwner, slots);
        this.threads = threads;
    }

    /** Queues {@code work} of {@code owner} ({@code null}: the provider's own). */
    void submit(String owner, Work work) {
        String key = owner == null ? "" : owner;
        synchronized (this) {
            queues.computeIfAbsent(key, k -> new ArrayDeque<>()).addLast(work);
        }
        dispatch();
    }

    synchronized int busy() {
        return busy;
    }

    synchronized int queued() {
        return queues.values().stream().mapToInt(Deque::size).sum();
    }

    private void dispatch() {
        while (true) {
            Slot slot;
            Work next;
            synchronized (this) {
                if (busy >= slots) {
                    return;
                }
                String owner = nextOwner();
                if (owner == null) {
                    return;
                }
                Deque<Work> queue = queues.get(owner);
                next = queue.removeFirst();
                if (queue.isEmpty()) {
                    queues.remove(owner);
                }
                lastServed.put(owner, ++ticks);
                slot = new Slot(owner);
                busy++;
                running.merge(owner, 1, Integer::sum);
            }
            Slot claimed = slot;
            Work work = next;
            try {
                threads.execute(() -> {
                    try {
                        work.run(claimed);
                    } finally {
                        release(claimed);
                    }
                });
            } catch (java.util.concurrent.RejectedExecutionException shuttingDown) {
                synchronized (this) {
                    claimed.released = true;
                    busy--;
                    running.merge(claimed.owner, -1, (a, b) -> a + b == 0 ? null : a + b);
                }
                return; // the panel is stopping: queued work is left, and marked interrupted at the next start
            }
        }
    }

    /** Of the owners with queued work and a free share of the slots, the one served longest ago. */
    private String nextOwner() {
        String chosen = null;
        long chosenServed = Long.MAX_VALUE;
        for (String owner : queues.keySet()) {
            long served = lastServed.getOrDefault(owner, 0L);
            if (running.getOrDefault(owner, 0) < perOwner && served < chosenServed) {
                chosen = owner;
                chosenServed = served;
            }
        }
        return chosen;
    }

    private void release(Slot slot) {
        synchronized (this) {
            if (slot.released) {
                return;
            }
            slot.released = true;
            busy--;
            running.merge(slot.owner, -1, (a, b) -> a + b == 0 ? null : a + b);
            if (!running.containsKey(slot.owner) && !queues.containsKey(slot.owner)) {
                lastServed.remove(slot.owner); // nothing of it left: forget it (tenants come and go)
            }
        }
        dispatch();
    }
}
