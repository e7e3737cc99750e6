package dev.azurekeyvaultissuer.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A tenant whose tasks hang holds one thread; the others' tasks still run. */
class TenantSerialExecutorTest {

    private final ExecutorService pool = Executors.newFixedThreadPool(2);
    private final TenantSerialExecutor executor = new TenantSerialExecutor(pool);

    @AfterEach
    void stop() {
        pool.shutdownNow();
    }

    @Test
    void aSlowTenantHoldsOneThreadAndTheOthersGoOn() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch slowStarted = new CountDownLatch(1);
        List<String> ran = new CopyOnWriteArrayList<>();
        for (int i = 0; i < 5; i++) {
            int n = i;
            executor.execute("namespace slow", () -> {
                slowStarted.countDown();
                ran.add("slow " + n);
                await(release);
            });
        }
        assertTrue(slowStarted.await(5, TimeUnit.SECONDS));
        CountDownLatch othersDone = new CountDownLatch(3);
        for (String tenant : List.of("namespace a", "namespace b", "namespace c")) {
            executor.execute(tenant, () -> {
                ran.add(tenant);
                othersDone.countDown();
            });
        }

        assertTrue(othersDone.await(5, TimeUnit.SECONDS), "other tenants ran while the slow one hung: " + ran);
        assertEquals(
                List.of("slow 0"),
                ran.stream().filter(r -> r.startsWith("slow")).toList(),
                "one at a time");

        release.countDown();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (ran.stream().filter(r -> r.startsWith("slow")).count() < 5 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(
                List.of("slow 0", "slow 1", "slow 2", "slow 3", "slow 4"),
                ran.stream().filter(r -> r.startsWith("slow")).toList(),
                "in order");
    }

    @Test
    void aFailingTaskDoesNotStopItsTenantsQueue() throws Exception {
        CountDownLatch done = new CountDownLatch(1);
        executor.execute("namespace a", () -> {
            throw new IllegalStateException("boom");
        });
        executor.execute("namespace a", done::countDown);
        assertTrue(done.await(5, TimeUnit.SECONDS));
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
