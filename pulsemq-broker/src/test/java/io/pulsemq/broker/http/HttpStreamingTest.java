package io.pulsemq.broker.http;

import io.pulsemq.broker.config.ListenerConfig;
import io.pulsemq.broker.transport.NettyTransport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class HttpStreamingTest {

    private static final ListenerConfig LOOPBACK_ANY_PORT = new ListenerConfig("127.0.0.1", 0, null);

    private static NettyTransport transport;
    private static ExecutorService producers;
    private HttpServer server;

    @BeforeAll
    static void startTransport() {
        transport = new NettyTransport(1);
        producers = Executors.newFixedThreadPool(2);
    }

    @AfterAll
    static void stopTransport() {
        producers.shutdownNow();
        transport.close();
    }

    @AfterEach
    void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    private static byte[] readUntil(InputStream in, String end) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        while (!out.toString(StandardCharsets.ISO_8859_1).endsWith(end)) {
            int n = in.read(buf);
            if (n < 0) {
                break;
            }
            out.write(buf, 0, n);
        }
        return out.toByteArray();
    }

    /**
     * Sends {@code requestLine} with {@code GET /health} pipelined behind it on one connection; answers the first
     * response, whole, after checking that the health answer followed it on the same connection.
     */
    private String answerBeforeHealth(String requestLine) throws Exception {
        try (Socket socket = new Socket("127.0.0.1", server.port())) {
            socket.getOutputStream().write((requestLine + " HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "GET /health HTTP/1.1\r\nHost: x\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            String text = new String(readUntil(socket.getInputStream(), "{\"status\":\"UP\"}"), StandardCharsets.ISO_8859_1);
            String first = text.substring(0, text.indexOf("HTTP/1.1", 1));
            assertThat(text.substring(first.length())).startsWith("HTTP/1.1 200 OK").endsWith("{\"status\":\"UP\"}");
            return first;
        }
    }

    @Test
    void stream_isChunked_andThePipelinedRequestBehindItWaitsForItsEnd() throws Exception {
        HttpRoutes routes = new HttpRoutes().get("/stream", RouteHandler.of(r -> HttpResponse.stream(200, "text/plain",
                sink -> producers.execute(() -> {
                    sink.write("one;".getBytes(StandardCharsets.US_ASCII));
                    sink.flush();
                    sink.write("two;".getBytes(StandardCharsets.US_ASCII));
                    sink.end();
                }))));
        server = HttpServer.start(LOOPBACK_ANY_PORT, transport, routes);

        String stream = answerBeforeHealth("GET /stream");

        assertThat(stream).startsWith("HTTP/1.1 200 OK").containsIgnoringCase("transfer-encoding: chunked")
                .contains("\r\n4\r\none;\r\n").contains("\r\n4\r\ntwo;\r\n").endsWith("\r\n0\r\n\r\n");
    }

    @Test
    void head_ofAStream_answersItsHeadersWithoutStartingIt_andTheConnectionGoesOn() throws Exception {
        AtomicBoolean started = new AtomicBoolean();
        HttpRoutes routes = new HttpRoutes().get("/events", RouteHandler.of(r -> HttpResponse.stream(200,
                "text/event-stream", sink -> started.set(true)).withHeader("Cache-Control", "no-cache")));
        server = HttpServer.start(LOOPBACK_ANY_PORT, transport, routes);

        String head = answerBeforeHealth("HEAD /events");

        // the headers a GET would get (RFC 9110 9.3.2), no body, and no length claiming an empty one
        assertThat(head).startsWith("HTTP/1.1 200 OK").containsIgnoringCase("content-type: text/event-stream")
                .containsIgnoringCase("cache-control: no-cache").containsIgnoringCase("transfer-encoding: chunked")
                .doesNotContainIgnoringCase("content-length");
        assertThat(head.indexOf("\r\n\r\n")).as("no body, not even a last chunk").isEqualTo(head.length() - 4);
        assertThat(started).isFalse();
    }

    @Test
    void stream_slowReader_pausesTheProducer_untilTheClientReads() throws Exception {
        int chunk = 64 * 1024;
        long total = 256L * chunk;
        AtomicLong written = new AtomicLong();
        AtomicInteger pauses = new AtomicInteger();
        AtomicBoolean paused = new AtomicBoolean();
        HttpRoutes routes = new HttpRoutes().get("/big", RouteHandler.of(r -> HttpResponse.stream(200,
                "application/octet-stream", sink -> producers.execute(new Runnable() {
                    @Override
                    public void run() {
                        paused.set(false);
                        while (written.get() < total) {
                            written.addAndGet(chunk);
                            if (!sink.write(new byte[chunk])) {
                                sink.flush();
                                pauses.incrementAndGet();
                                paused.set(true);
                                sink.whenWritable(() -> producers.execute(this));
                                return;
                            }
                        }
                        sink.end();
                    }
                }))));
        server = HttpServer.start(LOOPBACK_ANY_PORT, transport, routes);

        try (Socket socket = new Socket("127.0.0.1", server.port())) {
            socket.getOutputStream().write("GET /big HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));

            await().until(paused::get);
            assertThat(written.get()).isLessThan(total);

            long received = 0;
            byte[] buf = new byte[chunk];
            InputStream in = socket.getInputStream();
            String tail = "";
            for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
                received += n;
                tail = (tail + new String(buf, Math.max(0, n - 16), Math.min(n, 16), StandardCharsets.ISO_8859_1));
                tail = tail.substring(Math.max(0, tail.length() - 16));
                if (tail.endsWith("\r\n0\r\n\r\n")) {
                    break;
                }
            }
            assertThat(received).isGreaterThan(total);
            assertThat(written.get()).isEqualTo(total);
            assertThat(pauses.get()).isPositive();
        }
    }

    @Test
    void stream_clientGoesAway_runsTheCloseCallback() throws Exception {
        CountDownLatch closed = new CountDownLatch(1);
        CountDownLatch started = new CountDownLatch(1);
        HttpRoutes routes = new HttpRoutes().get("/events", RouteHandler.of(r -> HttpResponse.stream(200,
                "text/event-stream", sink -> {
                    sink.onClose(closed::countDown);
                    sink.write(": hello\n\n".getBytes(StandardCharsets.US_ASCII));
                    sink.flush();
                    started.countDown();
                })));
        server = HttpServer.start(LOOPBACK_ANY_PORT, transport, routes);

        Socket socket = new Socket("127.0.0.1", server.port());
        socket.getOutputStream().write("GET /events HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        readUntil(socket.getInputStream(), ": hello\n\n\r\n");
        assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
        socket.close();

        assertThat(closed.await(10, TimeUnit.SECONDS)).isTrue();
    }
}
