package dev.azurekeyvaultissuer.controller;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs each tenant's tasks one after another on a shared pool: a tenant whose vault is slow holds at most one of the
 * pool's threads, and the other tenants' tasks go on on the rest.
 */
final class TenantSerialExecutor {

    private static final Logger LOG = LoggerFactory.getLogger(TenantSerialExecutor.class);

    private final Executor pool;
    private final Map<String, Deque<Runnable>> queues = new HashMap<>();

    TenantSerialExecutor(Executor pool) {
        this.pool = pool;
    }

    void execute(String tenant, Runnable task) {
        synchronized (queues) {
            Deque<Runnable> queue = queues.get(tenant);
            if (queue != null) {
                queue.add(task); // the tenant's running task starts it when done
                return;
            }
            queues.put(tenant, new ArrayDeque<>());
        }
        pool.execute(() -> runThenNext(tenant, task));
    }

    private void runThenNext(String tenant, Runnable task) {
        Runnable next = task;
        while (next != null) {
            try {
                next.run();
            } catch (RuntimeException e) {
                // Tasks report their own failures; this only keeps the tenant's queue going.
                LOG.warn("a background task failed tenant=\"{}\"", tenant, e);
            }
            synchronized (queues) {
                next = queues.get(tenant).poll();
                if (next == null) {
                    queues.remove(tenant);
                }
            }
        }
    }
}
