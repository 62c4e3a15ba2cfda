package io.vessel.operations.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vessel.api.operation.Operation;
import io.vessel.persistence.api.Database;
import io.vessel.persistence.internal.TestDatabases;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.osgi.framework.BundleContext;

/** Operations recorded in the real databases: the embedded default and PostgreSQL on 127.0.0.1:5432. */
class OperationManagerIT {

    @TempDir
    Path dataDir;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"embedded", "postgres"})
    void aProgressReportArrivingAsTheOperationEndsNeverMakesItLookUnfinished(String kind) throws Exception {
        String schema = "it_operations_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        Database database = kind.equals("embedded") ? TestDatabases.embedded(dataDir, new OperationsPersistence())
                : TestDatabases.postgres(schema, dataDir, new OperationsPersistence());
        OperationManager operations = new OperationManager(noNodeId(), database);
        try {
            // as a restore's stream reader reports the last bytes on its own thread while the restore returns
            List<Thread> lateReports = new CopyOnWriteArrayList<>();
            List<Operation> submitted = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                submitted.add(operations.submit("test.race", "thing/" + i, null, Duration.ofMinutes(1), progress -> {
                    Thread late = new Thread(() -> progress.update(66, "3 KiB written"));
                    lateReports.add(late);
                    late.start();
                    return "done";
                }));
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos(); // one wait for all, not 30 s each
            for (Operation operation : submitted) {
                operations.await(operation.id(), Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
            }
            for (Thread late : lateReports) {
                late.join();
            }
            for (Operation operation : submitted) {
                Operation now = operations.find(operation.id()).orElseThrow();
                assertEquals("SUCCEEDED 100 done", now.state() + " " + now.progress() + " " + now.result(), now.toString());
            }
        } finally {
            operations.deactivate();
            TestDatabases.close(database);
            if (kind.equals("postgres")) {
                TestDatabases.dropSchema(schema);
            }
        }
    }

    /** A framework without a node id: the operations are this process's own. */
    private static BundleContext noNodeId() {
        return (BundleContext) java.lang.reflect.Proxy.newProxyInstance(OperationManagerIT.class.getClassLoader(),
                new Class<?>[] {BundleContext.class}, (proxy, method, args) -> null);
    }
}
