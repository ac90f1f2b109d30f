package crm.launcher;

import java.io.PrintStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;

import org.neo4j.configuration.GraphDatabaseInternalSettings;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.SettingValueParsers;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.HttpConnector;
import org.neo4j.configuration.connectors.HttpsConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.graphdb.GraphDatabaseService;

/**
 * Local development / test launcher: embedded Neo4j Community (5.26 LTS) with Bolt.
 *
 * <pre>
 *   java --add-opens=... -cp "target/classes:target/lib/*" crm.launcher.Main \
 *        [--home DIR] [--bolt HOST:PORT] [--pagecache SIZE]
 * </pre>
 *
 * Each option falls back to an environment variable (NEO4J_HOME_DIR, NEO4J_BOLT,
 * NEO4J_PAGECACHE) and then to a default (.data/neo4j, 127.0.0.1:7687, 512m).
 * Auth is disabled, so only loopback listen addresses are accepted.
 * Prints exactly one line "NEO4J READY bolt://HOST:PORT" on stdout once Bolt is up.
 */
public final class Main {

    private static final String DEFAULT_HOME = ".data/neo4j";
    private static final String DEFAULT_BOLT = "127.0.0.1:7687";
    private static final String DEFAULT_PAGECACHE = "512m";

    private Main() {}

    public static void main(String[] args) throws Exception {
        String home = env("NEO4J_HOME_DIR", DEFAULT_HOME);
        String bolt = env("NEO4J_BOLT", DEFAULT_BOLT);
        String pagecache = env("NEO4J_PAGECACHE", DEFAULT_PAGECACHE);

        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            String value = null;
            int eq = a.indexOf('=');
            String key = a;
            if (a.startsWith("--") && eq > 0) {
                key = a.substring(0, eq);
                value = a.substring(eq + 1);
            }
            switch (key) {
                case "--home":
                case "--bolt":
                case "--pagecache":
                    if (value == null) {
                        if (i + 1 >= args.length) {
                            die("missing value for " + key);
                        }
                        value = args[++i];
                    }
                    if (key.equals("--home")) {
                        home = value;
                    } else if (key.equals("--bolt")) {
                        bolt = value;
                    } else {
                        pagecache = value;
                    }
                    break;
                case "-h":
                case "--help":
                    System.out.println("usage: crm.launcher.Main [--home DIR] [--bolt HOST:PORT] [--pagecache SIZE]");
                    System.out.println("env fallbacks: NEO4J_HOME_DIR, NEO4J_BOLT, NEO4J_PAGECACHE");
                    return;
                default:
                    die("unknown argument: " + a);
            }
        }

        SocketAddress boltAddress = parseHostPort(bolt);
        requireLoopback(boltAddress.getHostname());
        Long pagecacheBytes;
        try {
            pagecacheBytes = SettingValueParsers.BYTES.parse(pagecache);
        } catch (RuntimeException e) {
            die("bad --pagecache value '" + pagecache + "': " + e.getMessage());
            return;
        }

        Path homePath = Path.of(home).toAbsolutePath().normalize();
        Files.createDirectories(homePath);
        Path logsDir = homePath.resolve("logs");
        Files.createDirectories(logsDir);

        DatabaseManagementService dbms = new DatabaseManagementServiceBuilder(homePath)
                .setConfig(BoltConnector.enabled, true)
                .setConfig(BoltConnector.listen_address, boltAddress)
                .setConfig(BoltConnector.advertised_address, boltAddress)
                .setConfig(HttpConnector.enabled, false)
                .setConfig(HttpsConnector.enabled, false)
                .setConfig(GraphDatabaseSettings.auth_enabled, false)
                .setConfig(GraphDatabaseSettings.pagecache_memory, pagecacheBytes)
                .setConfig(GraphDatabaseSettings.logs_directory, logsDir)
                // Dev/test server: no anonymous usage reporting to neo4j.com.
                .setConfig(GraphDatabaseSettings.udc_enabled, false)
                // Bolt's netty groups wait a 5 s "quiet period" twice on shutdown (~10 s),
                // after the databases are already checkpointed and closed. Skip it.
                .setConfig(GraphDatabaseInternalSettings.netty_server_shutdown_quiet_period, 0)
                .build();

        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                dbms.shutdown();
            } catch (Throwable t) {
                System.err.println("neo4j shutdown failed: " + t);
            } finally {
                stopped.countDown();
            }
        }, "neo4j-shutdown"));

        // Fail fast (non-zero exit) if the default database did not come up.
        GraphDatabaseService db = dbms.database(GraphDatabaseSettings.DEFAULT_DATABASE_NAME);
        if (!db.isAvailable(60_000)) {
            System.err.println("neo4j database '" + db.databaseName() + "' not available after 60s; see "
                    + logsDir.resolve("debug.log"));
            System.exit(1);
        }
        db.executeTransactionally("RETURN 1");

        PrintStream out = System.out;
        out.println("NEO4J READY bolt://" + boltAddress.getHostname() + ":" + boltAddress.getPort());
        out.flush();

        stopped.await();
    }

    private static String env(String name, String fallback) {
        String v = System.getenv(name);
        return (v == null || v.isBlank()) ? fallback : v.trim();
    }

    private static SocketAddress parseHostPort(String s) {
        String host;
        String port;
        if (s.startsWith("[")) { // [::1]:7687
            int close = s.indexOf(']');
            if (close < 0 || close + 1 >= s.length() || s.charAt(close + 1) != ':') {
                die("bad --bolt value '" + s + "', expected HOST:PORT");
            }
            host = s.substring(1, close);
            port = s.substring(close + 2);
        } else {
            int colon = s.lastIndexOf(':');
            if (colon <= 0 || colon != s.indexOf(':')) {
                die("bad --bolt value '" + s + "', expected HOST:PORT");
            }
            host = s.substring(0, colon);
            port = s.substring(colon + 1);
        }
        try {
            int p = Integer.parseInt(port);
            if (p < 0 || p > 65535) {
                throw new NumberFormatException();
            }
            return new SocketAddress(host, p);
        } catch (NumberFormatException e) {
            die("bad port in --bolt value '" + s + "'");
            return null;
        }
    }

    private static void requireLoopback(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        try {
            for (InetAddress a : InetAddress.getAllByName(h)) {
                if (!a.isLoopbackAddress()) {
                    die("refusing to listen on non-loopback address '" + host
                            + "' with auth disabled; use 127.0.0.1/localhost/::1");
                }
            }
        } catch (UnknownHostException e) {
            die("cannot resolve bolt host '" + host + "'");
        }
    }

    private static void die(String msg) {
        System.err.println("neo4j launcher: " + msg);
        System.exit(2);
    }
}
