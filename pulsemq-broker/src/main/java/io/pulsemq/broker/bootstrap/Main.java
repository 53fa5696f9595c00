package io.pulsemq.broker.bootstrap;

import io.pulsemq.broker.auth.Credentials;
import io.pulsemq.broker.cli.BanCommands;
import io.pulsemq.broker.cli.DeviceCredentialCommands;
import io.pulsemq.broker.cli.CliContext;
import io.pulsemq.broker.cli.ClientCommands;
import io.pulsemq.broker.cli.ClusterCommands;
import io.pulsemq.broker.config.BrokerConfig;
import io.pulsemq.broker.config.ConfigException;
import io.pulsemq.broker.config.ConfigLoader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * The command line: {@code pulsemq start [--config FILE] [--data-dir DIR]}, {@code --help}, {@code --version}, and
 * the client commands of {@link ClientCommands} ({@code status}, {@code clients}, {@code watch}, {@code trace},
 * {@code kick}, {@code export}; their exit codes are in {@link io.pulsemq.broker.cli.ExitCodes}).
 *
 * <p>{@code start} runs the broker in the foreground until the JVM is asked to stop (SIGTERM, SIGINT), then
 * closes it gracefully from a shutdown hook; SIGHUP reloads the TLS certificates ({@link HangupSignal}). Exit codes: {@value #EXIT_OK} after a normal stop or for help and
 * version; {@value #EXIT_FAILURE} if the broker cannot start (a port is taken, the data directory is not
 * writable); {@value #EXIT_USAGE} for a configuration or command-line error, reported in one message without a
 * stack trace.
 */
@Command(name = "pulsemq", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "PulseMQ: an MQTT broker that knows, exactly and at once, which devices are online.",
        synopsisSubcommandLabel = "COMMAND",
        footer = {"", "Benchmarks (launcher only): ./pulsemq bench [--quick] [--jmh]; ./pulsemq bench --help"})
public final class Main implements Runnable {

    /** Normal end. */
    public static final int EXIT_OK = 0;
    /** The broker could not start or failed. */
    public static final int EXIT_FAILURE = 1;
    /** Bad configuration or command line. */
    public static final int EXIT_USAGE = 2;
    /** The config file used when {@code --config} is not given, if it exists (relative to the working directory). */
    public static final Path DEFAULT_CONFIG = Path.of("config", "pulsemq.yaml");

    private static final Logger log = LoggerFactory.getLogger(Main.class);
    private static final String LEAK_DETECTION = "io.netty.leakDetection.level";

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    private Main() {
    }

    public static void main(String[] args) {
        // Netty's leak detector records a stack trace for a sample of buffers: useful in tests (which build the
        // broker without Main and keep it), pure overhead in a running broker. -Dio.netty.leakDetection.level wins.
        if (System.getProperty(LEAK_DETECTION) == null) {
            System.setProperty(LEAK_DETECTION, "disabled");
        }
        int code = execute(args, System.getenv(), System.out, System.err);
        // After a normal stop the shutdown hooks are already running; System.exit would block.
        if (code != EXIT_OK) {
            System.exit(code);
        }
    }

    /**
     * Parses and runs {@code args}; answers the exit code. The client commands treat {@code err} as a terminal
     * (progress output) only when the JVM has a console.
     */
    public static int execute(String[] args, Map<String, String> environment, PrintStream out, PrintStream err) {
        return execute(args, environment, out, err, System.console() != null && err == System.err);
    }

    /** As {@link #execute(String[], Map, PrintStream, PrintStream)}, saying whether {@code err} is a terminal. */
    public static int execute(String[] args, Map<String, String> environment, PrintStream out, PrintStream err,
                              boolean terminal) {
        CommandLine cli = new CommandLine(new Main())
                .addSubcommand("start", new Start(environment, out, err));
        CliContext context = new CliContext(environment, out, err, terminal);
        ClientCommands.register(cli, context);
        BanCommands.register(cli, context);
        DeviceCredentialCommands.register(cli, context);
        ClusterCommands.register(cli, context);
        cli.setOut(new PrintWriter(out, true, StandardCharsets.UTF_8))
                .setErr(new PrintWriter(err, true, StandardCharsets.UTF_8));
        return cli.execute(args);
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing command, e.g. 'pulsemq start'");
    }

    /** Runs the broker in the foreground. */
    @Command(name = "start", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
            description = {"Runs the broker in the foreground until SIGTERM or SIGINT, then stops it gracefully;"
                    + " SIGHUP reloads the TLS certificates.",
                    "Configuration: built-in defaults, then the config file, then PULSEMQ_* environment variables,"
                            + " then --data-dir."})
    static final class Start implements Callable<Integer> {

        @Option(names = "--config", paramLabel = "FILE",
                description = "YAML config file (default: config/pulsemq.yaml if it exists).")
        private Path configFile;

        @Option(names = "--data-dir", paramLabel = "DIR",
                description = "Data directory; overrides dataDir of the config file and PULSEMQ_DATADIR.")
        private Path dataDir;

        private final Map<String, String> environment;
        private final PrintStream out;
        private final PrintStream err;

        Start(Map<String, String> environment, PrintStream out, PrintStream err) {
            this.environment = environment;
            this.out = out;
            this.err = err;
        }

        @Override
        public Integer call() throws InterruptedException {
            BrokerConfig config;
            try {
                config = Credentials.forStandardOutput(new SecureRandom(), out).ensureAccessKeys(loadConfig());
            } catch (ConfigException e) {
                err.println("pulsemq: configuration error: " + e.getMessage());
                return EXIT_USAGE;
            } catch (IOException e) {
                err.println("pulsemq: cannot prepare the data directory: " + e);
                return EXIT_FAILURE;
            }
            log.info("Starting PulseMQ {} (instance {}, node {}, data directory {})", Version.number(),
                    config.instanceId(), config.node(), config.dataDir().toAbsolutePath().normalize());
            Broker broker;
            try {
                broker = Broker.start(config);
            } catch (Exception e) {
                log.error("PulseMQ failed to start", e);
                err.println("pulsemq: failed to start: " + e.getMessage());
                return EXIT_FAILURE;
            }
            CountDownLatch stopped = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                log.info("Stopping PulseMQ");
                broker.close();
                log.info("PulseMQ stopped");
                stopped.countDown();
            }, "pulsemq-shutdown"));
            HangupSignal.install(() -> {
                if (broker.reloadCertificates()) {
                    log.info("SIGHUP: reloading the TLS certificates");
                } else {
                    log.info("SIGHUP: no TLS certificate to reload");
                }
            });
            announce(config, broker.ports());
            stopped.await();
            return EXIT_OK;
        }

        private BrokerConfig loadConfig() {
            ConfigLoader loader = new ConfigLoader(environment);
            if (configFile != null) {
                loader = loader.withFile(configFile);
            } else if (Files.isRegularFile(DEFAULT_CONFIG)) {
                loader = loader.withFile(DEFAULT_CONFIG);
            }
            if (dataDir != null) {
                loader = loader.withDataDir(dataDir);
            }
            return loader.load();
        }

        private static void announce(BrokerConfig config, BoundPorts ports) {
            String where;
            try {
                where = PortsFile.write(config.dataDir(), ports).toString();
            } catch (IOException e) {
                log.warn("Cannot write {}: {}", PortsFile.file(config.dataDir()), e.toString());
                where = "not written";
            }
            String tls = ports.mqtts() < 0 && ports.wss() < 0 && ports.https() < 0 && ports.amqps() < 0 ? ""
                    : " mqtts=" + port(ports.mqtts()) + " wss=" + port(ports.wss()) + " https=" + port(ports.https())
                    + " amqps=" + port(ports.amqps());
            log.info("PulseMQ started: mqtt={} ws={} http={} amqp={}{} (ports file: {})",
                    port(ports.mqtt()), port(ports.ws()), port(ports.http()), port(ports.amqp()), tls, where);
        }

        private static String port(int port) {
            return port < 0 ? "off" : Integer.toString(port);
        }
    }

    /** The version, from the build. */
    static final class Version implements CommandLine.IVersionProvider {

        static String number() {
            try (InputStream in = Main.class.getClassLoader().getResourceAsStream("pulsemq-version.properties")) {
                if (in == null) {
                    return "unknown";
                }
                Properties p = new Properties();
                p.load(in);
                return p.getProperty("version", "unknown");
            } catch (IOException e) {
                return "unknown";
            }
        }

        @Override
        public String[] getVersion() {
            return new String[] {"PulseMQ " + number(), "Java " + Runtime.version()};
        }
    }
}
