package io.pulsemq.broker.amqp;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.impl.AMQImpl;
import com.rabbitmq.client.impl.LongStringHelper;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.pulsemq.broker.auth.BanList;
import io.pulsemq.broker.auth.LoginGuard;
import io.pulsemq.broker.authz.Authorizer;
import io.pulsemq.broker.config.BrokerConfig;
import io.pulsemq.broker.config.ConfigLoader;
import io.pulsemq.broker.retained.InMemoryRetainedStore;
import io.pulsemq.broker.routing.Router;
import io.pulsemq.broker.presence.PresenceRegistry;
import io.pulsemq.broker.statuslog.RocksStatusLog;
import io.pulsemq.broker.store.RocksStore;
import io.pulsemq.broker.store.StoreWriter;
import io.pulsemq.broker.subscription.SubscriptionTrie;
import io.pulsemq.broker.transport.InVmServer;
import io.pulsemq.protocol.Signatures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * Fuzz target: bytes from a backend into the server SDK endpoint: the real frame decoder and connection, with a
 * real status log, topic and status queues on RocksDB in a temporary directory, over Netty's in-VM transport. The first input byte picks how the
 * connection starts: even, the bytes are everything the client sends (protocol header and login included); odd, a
 * valid protocol header, login (the server SDK's signature for a server key of group {@code GID_fuzz}), tune and
 * open of vhost {@code MQTT} and channel 1 come first, so the fuzzer spends its time on queue, consume, publish and
 * acknowledgement methods.
 *
 * <p>What must hold for every input: nothing escapes the pipeline. {@code mvn verify} replays the committed inputs
 * under {@code src/test/resources/io/pulsemq/broker/amqp/AmqpConnectionFuzzTestInputs/}; fuzzing:
 * docs/operations.md.
 */
class AmqpConnectionFuzzTest {

    static final String KEY_ID = "AK_fuzz";
    static final String SECRET = "fuzz-secret-0123456789";
    private static final byte[] HEADER = {'A', 'M', 'Q', 'P', 0, 0, 9, 1};
    /** A broker thread that has not run a queued task within this long is hung. */
    private static final long HANG_SECONDS = 60;

    @TempDir
    static Path dir;
    private static RocksStore store;
    private static StoreWriter writer;
    private static RocksStatusLog statusLog;
    private static AmqpServer server;
    private static BrokerConfig config;
    private static InVmServer local;

    @BeforeAll
    static void start() throws Exception {
        Path file = dir.resolve("pulsemq.yaml");
        Files.writeString(file, String.join("\n",
                "accessKeys:",
                "  - {id: " + KEY_ID + ", secret: " + SECRET + ", role: server, groups: [GID_fuzz]}",
                // Throttled or banned logins would hide everything behind the login from the fuzzer.
                "auth: {loginThrottle: {freeAttempts: 1000000, window: 1s, banAfter: 0}}",
                "authorization: {rules: [{deny: subscribe, topics: [\"secret/#\"]}]}",
                ""));
        config = new ConfigLoader(Map.of()).withFile(file).withDataDir(dir.resolve("data")).load();
        Clock clock = Clock.systemUTC();
        store = RocksStore.open(config.dataDir());
        writer = new StoreWriter(store, 1 << 20);
        statusLog = RocksStatusLog.open(store, new PresenceRegistry(), config.node(), clock, 1000);
        Router router = new Router(new SubscriptionTrie(), new InMemoryRetainedStore(), id -> null, clock);
        server = AmqpServer.create(config, null, statusLog, store, writer, writer, router, clock, "fuzz",
                new AmqpServer.Access(new LoginGuard(config.auth(), new BanList(clock), clock),
                        new Authorizer(config.authorization()), new LongAdder()));
        // Netty's in-VM transport with real event loops: the queue thread hands deliveries to the connection's loop
        // as it does on a socket (an embedded channel would be written from two threads at once)
        local = new InVmServer("pulsemq-amqp-fuzz", server::addProtocolHandlers);
    }

    @AfterAll
    static void stop() {
        local.close();
        server.close();
        statusLog.close();
        writer.close();
        store.close();
    }

    @FuzzTest(maxDuration = "10m")
    void backendBytes(byte[] input) throws Exception {
        if (input.length == 0) {
            return;
        }
        Channel client = local.connect(bytes -> { }); // what the broker answers is not checked here
        try {
            ByteBuf bytes = Unpooled.buffer();
            if ((input[0] & 1) == 1) {
                write(bytes, openedChannel(client.alloc()));
            }
            bytes.writeBytes(input, 1, input.length - 1);
            client.writeAndFlush(bytes).sync();
            settle();
            client.close().sync();
            settle();
        } finally {
            client.close();
        }
    }

    /**
     * Waits until the server side has handled what it read: its event loop, then the queue thread (deliveries it
     * started), then the event loop again (what the queue thread handed back). Bounded: a connection that waits
     * for a redelivery timer is left to it.
     */
    private static void settle() throws Exception {
        Channel ch = local.accepted(2_000);
        if (ch == null) {
            return;
        }
        // generous bounds: on a busy machine a store write can take seconds; only a thread that never gets to the
        // task (a hang, a real finding) runs into them
        ch.eventLoop().submit(() -> { }).get(HANG_SECONDS, TimeUnit.SECONDS);
        server.queueExecutor().submit(() -> { }).get(HANG_SECONDS, TimeUnit.SECONDS);
        ch.eventLoop().submit(() -> { }).get(HANG_SECONDS, TimeUnit.SECONDS);
    }

    /** Protocol header, login, tune-ok, connection.open of vhost MQTT and channel.open of channel 1. */
    static ByteBuf openedChannel(ByteBufAllocator alloc) {
        String timestamp = Long.toString(System.currentTimeMillis());
        String user = Base64.getEncoder().encodeToString(("0:" + "pulsemq-local" + ":" + KEY_ID)
                .getBytes(StandardCharsets.UTF_8));
        byte[] response = ("\0" + user + "\0" + Signatures.hmacSha1Base64(SECRET, timestamp))
                .getBytes(StandardCharsets.UTF_8);
        ByteBuf out = alloc.buffer();
        out.writeBytes(HEADER);
        write(out, AmqpCodec.method(alloc, 0, new AMQImpl.Connection.StartOk(Map.of(AmqpLogin.SIGN_KEY, timestamp),
                AmqpLogin.MECHANISM, LongStringHelper.asLongString(response), "en_US")));
        write(out, AmqpCodec.method(alloc, 0, new AMQImpl.Connection.TuneOk(2047, 131072, 60)));
        write(out, AmqpCodec.method(alloc, 0, new AMQImpl.Connection.Open("MQTT", "", false)));
        write(out, AmqpCodec.method(alloc, 1, new AMQImpl.Channel.Open("")));
        return out;
    }

    /**
     * The committed seeds: after {@link #openedChannel}, what the server SDK and other backends send on channel 1
     * (encoded by the broker's own codec, which uses amqp-client's encoders).
     */
    static Map<String, List<ByteBuf>> seeds(ByteBufAllocator a) {
        Map<String, Object> status = Map.of(AmqpChannel.GROUP_ID, "GID_fuzz");
        return Map.of(
                "consume-status", List.of(
                        AmqpCodec.method(a, 1, new AMQImpl.Basic.Qos(0, 64, false)),
                        AmqpCodec.method(a, 1, new AMQImpl.Basic.Consume(0, StatusQueues.QUEUE, "c1", false, false,
                                false, false, status)),
                        AmqpCodec.method(a, 1, new AMQImpl.Basic.Ack(1, true)),
                        AmqpCodec.method(a, 1, new AMQImpl.Basic.Cancel("c1", false))),
                "replay-status", List.of(
                        AmqpCodec.method(a, 1, new AMQImpl.Basic.Consume(0, StatusQueues.QUEUE, "", false, true, false,
                                false, Map.of(AmqpChannel.GROUP_ID, "GID_fuzz", AmqpChannel.STREAM_OFFSET, 0L))),
                        AmqpCodec.method(a, 1, new AMQImpl.Basic.Nack(1, false, true))),
                "consume-topic", List.of(
                        AmqpCodec.method(a, 1, new AMQImpl.Queue.Declare(0, "devices", true, true, false, false,
                                false, Map.of())),
                        AmqpCodec.method(a, 1, new AMQImpl.Basic.Consume(0, "devices", "t1", false, false, false,
                                false, Map.of())),
                        AmqpCodec.method(a, 1, new AMQImpl.Basic.Reject(1, true)),
                        AmqpCodec.method(a, 1, new AMQImpl.Channel.Close(200, "bye", 0, 0))),
                "publish-confirmed", List.of(
                        AmqpCodec.method(a, 1, new AMQImpl.Confirm.Select(false)),
                        AmqpCodec.content(a, 1, new AMQImpl.Basic.Publish(0, "devices", "GID_fuzz@@@d1", false,
                                        false), new AMQP.BasicProperties.Builder().deliveryMode(2).build(),
                                "hello".getBytes(StandardCharsets.UTF_8), 131072),
                        AmqpCodec.method(a, 0, new AMQImpl.Connection.Close(200, "bye", 0, 0))),
                "declare-other", List.of(
                        AmqpCodec.method(a, 1, new AMQImpl.Exchange.Declare(0, "x", "topic", false, true, false,
                                false, false, Map.of())),
                        AmqpCodec.method(a, 1, new AMQImpl.Queue.Bind(0, "q", "x", "#", false, Map.of())),
                        AmqpCodec.method(a, 1, new AMQImpl.Queue.Declare(0, "secret", false, false, true, true, false,
                                Map.of("x-max-length", 10))),
                        AmqpCodec.heartbeat(a)));
    }

    /**
     * How the committed seeds were made: writes {@link #seeds} as input files (first byte 1: after the opened
     * channel) into the directory named by the system property {@code pulsemq.fuzz.seeds}
     * ({@code mvn -pl pulsemq-broker -am test -Dtest=AmqpConnectionFuzzTest#writeSeeds -Dpulsemq.fuzz.seeds=DIR}).
     */
    @Test
    @EnabledIfSystemProperty(named = "pulsemq.fuzz.seeds", matches = ".+")
    void writeSeeds() throws Exception {
        Path out = Files.createDirectories(Path.of(System.getProperty("pulsemq.fuzz.seeds")));
        for (Map.Entry<String, List<ByteBuf>> seed : seeds(ByteBufAllocator.DEFAULT).entrySet()) {
            ByteBuf all = Unpooled.buffer().writeByte(1);
            seed.getValue().forEach(frame -> write(all, frame));
            byte[] bytes = new byte[all.readableBytes()];
            all.readBytes(bytes);
            Files.write(out.resolve(seed.getKey()), bytes);
        }
    }

    private static void write(ByteBuf out, ByteBuf frame) {
        out.writeBytes(frame);
        frame.release();
    }
}
