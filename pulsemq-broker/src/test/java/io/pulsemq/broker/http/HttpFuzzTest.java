package io.pulsemq.broker.http;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.PrematureChannelClosureException;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.util.ReferenceCountUtil;
import io.pulsemq.broker.bootstrap.Broker;
import io.pulsemq.broker.config.ConfigLoader;
import io.pulsemq.broker.limits.LimitHits;
import io.pulsemq.broker.transport.InVmServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fuzz target: bytes from an HTTP client into the broker's HTTP pipeline (codec, aggregation, dispatch) with the
 * real routes of a running broker (status API, RPC endpoint with ApsaraMQ's signature, bans, device credentials,
 * health, metrics), over Netty's in-VM transport so that routes answered on other threads come back as they do on
 * a socket. The committed inputs carry the Basic credentials of the broker's keys ({@value #ADMIN_BASIC} is admin
 * {@code AK_admin}, secret {@code fuzz-admin-secret-0123}), so the fuzzer reaches past authentication.
 *
 * <p>What must hold for every input: every answer is a well-formed HTTP response and none is a 5xx (bad requests
 * get a 4xx). {@code mvn verify} replays the committed inputs under
 * {@code src/test/resources/io/pulsemq/broker/http/HttpFuzzTestInputs/}; fuzzing: docs/operations.md.
 */
class HttpFuzzTest {

    static final String ADMIN_BASIC = "QUtfYWRtaW46ZnV6ei1hZG1pbi1zZWNyZXQtMDEyMw==";
    private static final long ANSWER_WAIT_MS = 2_000;
    /** An event loop that has not run a queued task within this long is hung (a real finding). */
    private static final long HANG_SECONDS = 60;

    @TempDir
    static Path dir;
    private static Broker broker;
    private static InVmServer server;

    @BeforeAll
    static void start() throws Exception {
        Path file = dir.resolve("pulsemq.yaml");
        Files.writeString(file, String.join("\n",
                "accessKeys:",
                "  - {id: AK_admin, secret: fuzz-admin-secret-0123, role: admin, groups: ['*']}",
                "  - {id: AK_server, secret: fuzz-server-secret-0123, role: server, groups: [GID_fuzz]}",
                "auth: {loginThrottle: {freeAttempts: 1000000, window: 1s, banAfter: 0}}",
                "statusLog: {minFreeDisk: 0}",
                ""));
        Map<String, String> env = new HashMap<>();
        for (String listener : new String[] {"MQTT", "WS", "HTTP", "AMQP"}) {
            env.put("PULSEMQ_LISTENERS_" + listener + "_HOST", "127.0.0.1");
            env.put("PULSEMQ_LISTENERS_" + listener + "_PORT", "0");
        }
        broker = Broker.start(new ConfigLoader(env).withFile(file).withDataDir(dir.resolve("data")).load());
        HttpRoutes.Router router = HttpServer.router(broker.httpRoutes());
        HttpServer.Limits limits = HttpServer.Limits.of(broker.config().http());
        server = new InVmServer("pulsemq-http-fuzz",
                pipeline -> HttpServer.addProtocolHandlers(pipeline, router, limits, new LimitHits()));
    }

    @AfterAll
    static void stop() {
        server.close();
        broker.close();
    }

    @FuzzTest(maxDuration = "10m")
    void requestBytes(byte[] input) throws Exception {
        ByteBuf received = Unpooled.buffer();
        Channel client = server.connect(bytes -> {
            synchronized (received) {
                received.writeBytes(bytes);
            }
        });
        try {
            client.writeAndFlush(Unpooled.wrappedBuffer(input)).sync();
            awaitAnswers();
            client.close().sync();
            synchronized (received) {
                assertWellFormed(received, requestMethods(input));
            }
        } finally {
            client.close();
            received.release();
        }
    }

    /**
     * Waits until the server side of the connection has read everything and answered every request it read, at
     * most {@value #ANSWER_WAIT_MS} ms (a streamed answer, the event stream, never ends by itself).
     */
    private static void awaitAnswers() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ANSWER_WAIT_MS);
        Channel ch = server.accepted(ANSWER_WAIT_MS);
        while (ch != null && ch.isOpen() && System.nanoTime() < deadline) {
            CompletableFuture<Integer> pending = new CompletableFuture<>();
            ch.eventLoop().execute(() -> {
                HttpDispatcher d = ch.pipeline().get(HttpDispatcher.class);
                pending.complete(d == null ? 0 : d.pendingAnswers());
            });
            if (pending.get(HANG_SECONDS, TimeUnit.SECONDS) == 0) {
                // what the last answer wrote reaches the client through the same loops
                CompletableFuture<Void> flushed = new CompletableFuture<>();
                ch.eventLoop().execute(() -> flushed.complete(null));
                flushed.get(HANG_SECONDS, TimeUnit.SECONDS);
                return;
            }
            Thread.onSpinWait();
        }
    }

    /**
     * The methods of the requests in {@code input}, in order, as the server's decoder reads them: an answer to a
     * HEAD has a Content-Length but no body, so the client side must know which answers those are (as Netty's
     * client codec does).
     */
    private static ArrayDeque<HttpMethod> requestMethods(byte[] input) {
        ArrayDeque<HttpMethod> methods = new ArrayDeque<>();
        EmbeddedChannel server = new EmbeddedChannel(new HttpRequestDecoder());
        try {
            server.writeInbound(Unpooled.wrappedBuffer(input));
            server.finish();
            for (Object in = server.readInbound(); in != null; in = server.readInbound()) {
                if (in instanceof HttpRequest r) {
                    methods.add(r.method());
                }
                ReferenceCountUtil.release(in);
            }
        } finally {
            server.finishAndReleaseAll();
        }
        return methods;
    }

    private static void assertWellFormed(ByteBuf received, ArrayDeque<HttpMethod> methods) {
        HttpResponseDecoder responses = new HttpResponseDecoder() {
            @Override
            protected boolean isContentAlwaysEmpty(HttpMessage msg) {
                HttpMethod method = methods.poll();
                return HttpMethod.HEAD.equals(method) || super.isContentAlwaysEmpty(msg);
            }
        };
        EmbeddedChannel decoder = new EmbeddedChannel(responses, new HttpObjectAggregator(64 << 20));
        try {
            decoder.writeInbound(received.retainedDuplicate());
            try {
                decoder.finish();
            } catch (PrematureChannelClosureException cutByOurClose) {
                // The test closes the connection once the answers it waited for are out; with more pipelined
                // requests than http.maxPipelined, the broker may still have been writing a later answer then.
                // Every complete answer before it is checked below.
            }
            for (Object in = decoder.readInbound(); in != null; in = decoder.readInbound()) {
                FullHttpResponse r = (FullHttpResponse) in;
                try {
                    assertThat(r.decoderResult().isSuccess()).as("malformed answer: %s", r.decoderResult()).isTrue();
                    assertThat(r.status().code()).as("answer %s", r.status()).isLessThan(500);
                } finally {
                    r.release();
                }
            }
        } finally {
            decoder.finishAndReleaseAll();
        }
    }
}
