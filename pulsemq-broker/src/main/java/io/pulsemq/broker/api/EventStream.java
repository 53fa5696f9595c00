package io.pulsemq.broker.api;

import io.pulsemq.broker.api.ApiAuth.Caller;
import io.pulsemq.broker.http.HttpRequest;
import io.pulsemq.broker.http.HttpResponse;
import io.pulsemq.broker.http.StreamSink;
import io.pulsemq.broker.limits.Limit;
import io.pulsemq.broker.limits.LimitHits;
import io.pulsemq.broker.limits.Slots;
import io.pulsemq.broker.statuslog.EventFilter;
import io.pulsemq.broker.statuslog.StatusLog;
import io.pulsemq.broker.statuslog.StoredEvent;
import io.pulsemq.protocol.EventType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;

/**
 * {@code GET /status/events}: the status log as Server-Sent Events. Each event is {@code id: <offset>} and one
 * {@code data: <event JSON>} line; a {@code :} comment line is sent as a heartbeat. The stream starts after
 * {@code from} (or the {@code Last-Event-ID} header, which wins; default: the current last offset), catches up
 * from the log in batches, then follows commits. Reading runs on the API executor, one batch at a time, and
 * pauses while the client is not reading (the sink is not writable), so a slow reader costs at most one batch
 * of memory.
 *
 * <p>Open streams are limited in all ({@code http.maxStreams}: 503) and per access key ({@code http.maxStreamsPerKey}:
 * 429). A stream holds its slot from the moment its response starts until it ends; the refusal is decided when the
 * request is validated, so a stream that loses a race for the last slot in between is closed at once.
 */
final class EventStream {

    private static final Logger LOG = LoggerFactory.getLogger(EventStream.class);
    /** Events read from the log per step. */
    static final int BATCH = 512;
    /** Starting size of a stream's step buffer. */
    private static final int BATCH_BUFFER = 1024;
    private static final byte[] HEARTBEAT = ":\n\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] ID = "id: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] DATA = "\ndata: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] OPENED = ": pulsemq status events\n\n".getBytes(StandardCharsets.US_ASCII);

    private final StatusLog log;
    private final ScheduledExecutorService executor;
    private final Duration heartbeat;
    private final Slots<String> streams;
    private final int maxStreams;
    private final int maxStreamsPerKey;
    private final LimitHits hits;

    EventStream(StatusLog log, ScheduledExecutorService executor, Duration heartbeat) {
        this(log, executor, heartbeat, 0, 0, new LimitHits());
    }

    /**
     * @param maxStreams       most streams open at once (0: no limit)
     * @param maxStreamsPerKey most streams open at once per access key (0: no limit)
     */
    EventStream(StatusLog log, ScheduledExecutorService executor, Duration heartbeat, int maxStreams,
                int maxStreamsPerKey, LimitHits hits) {
        this.log = log;
        this.executor = executor;
        this.heartbeat = heartbeat;
        this.streams = new Slots<>(maxStreams, maxStreamsPerKey);
        this.maxStreams = maxStreams;
        this.maxStreamsPerKey = maxStreamsPerKey;
        this.hits = hits;
    }

    /** Streams open now. */
    int openStreams() {
        return streams.inUse();
    }

    /** Validates the request and answers 200 with the stream, or 400/403/410. */
    HttpResponse open(HttpRequest request, Caller caller) {
        Optional<String> group = Params.text(request, "group");
        group.ifPresent(caller::requireGroup);
        Set<EventType> types = Params.types(request, "types");
        long last = log.lastOffset();
        Optional<String> lastEventId = request.header("last-event-id").filter(v -> !v.isBlank());
        long from;
        if (lastEventId.isPresent()) {
            try {
                from = Long.parseLong(lastEventId.get().trim());
            } catch (NumberFormatException e) {
                throw ApiException.badRequest("'Last-Event-ID' must be an event offset");
            }
        } else {
            from = Params.longParam(request, "from", last);
        }
        if (from < 0) {
            throw ApiException.badRequest("'from' must not be negative");
        }
        if (from > last) {
            throw ApiException.badRequest("'from' " + from + " is beyond the last offset " + last);
        }
        if (from < log.firstOffset() - 1) {
            throw new ApiException(410, "gone", "events after offset " + from + " are no longer retained; the oldest is "
                    + log.firstOffset() + ". Take a new list or batch answer and stream from its revision.");
        }
        EventFilter filter = new EventFilter(group.orElse(null), types);
        String key = caller.key().id();
        refuseOverLimit(streams.check(key), key);
        return HttpResponse.stream(200, "text/event-stream; charset=utf-8", sink -> {
                    if (streams.tryAcquire(key) != Slots.Outcome.ADMITTED) {
                        sink.abort(); // lost the last slot to another stream since the check
                        return;
                    }
                    sink.onClose(() -> streams.release(key));
                    new Pump(sink, filter, caller, from).start();
                })
                .withHeader("Cache-Control", "no-cache")
                .withHeader("X-Accel-Buffering", "no");
    }

    /** Throws the refusal of a stream over {@code http.maxStreams} (503) or {@code http.maxStreamsPerKey} (429). */
    private void refuseOverLimit(Slots.Outcome outcome, String key) {
        if (outcome == Slots.Outcome.OVER_TOTAL) {
            hits.hit(Limit.HTTP_MAX_STREAMS);
            throw new ApiException(503, "too_many_streams", "the broker serves " + maxStreams
                    + " event streams already (http.maxStreams); retry later");
        }
        if (outcome == Slots.Outcome.OVER_KEY) {
            hits.hit(Limit.HTTP_MAX_STREAMS_PER_KEY);
            throw new ApiException(429, "too_many_streams", "access key " + key + " has " + maxStreamsPerKey
                    + " event streams open (http.maxStreamsPerKey); close one first");
        }
    }

    /** Moves events from the log to one client. Its steps never overlap ({@link SerialTask}). */
    private final class Pump {
        private final StreamSink sink;
        private final EventFilter filter;
        private final Caller caller;
        private final SerialTask task;
        private final LongConsumer onCommit;
        private volatile boolean heartbeatDue;
        private ScheduledFuture<?> heartbeats;
        /** Step-only: the offset of the last event examined. */
        private long position;
        /**
         * Step-only: one step's events, reused (a step writes a copy of what it holds); dropped after a step that
         * made it large (catching up), so that a stream that follows the log holds a small one.
         */
        private ByteArrayOutputStream batch = new ByteArrayOutputStream(BATCH_BUFFER);

        Pump(StreamSink sink, EventFilter filter, Caller caller, long from) {
            this.sink = sink;
            this.filter = filter;
            this.caller = caller;
            this.position = from;
            this.task = new SerialTask(executor, this::step);
            this.onCommit = offset -> task.signal();
        }

        void start() {
            log.onCommit(onCommit);
            long period = heartbeat.toMillis();
            heartbeats = executor.scheduleAtFixedRate(() -> {
                heartbeatDue = true;
                task.signal();
            }, period, period, TimeUnit.MILLISECONDS);
            sink.onClose(this::stop);
            sink.write(OPENED);
            sink.flush();
            task.signal();
        }

        private void stop() {
            log.removeCommitListener(onCommit);
            if (heartbeats != null) {
                heartbeats.cancel(false);
            }
        }

        private void step() {
            if (!sink.isOpen()) {
                stop();
                return;
            }
            try {
                if (heartbeatDue) {
                    heartbeatDue = false;
                    sink.write(HEARTBEAT);
                }
                if (!sink.isWritable()) {
                    sink.whenWritable(task::signal);
                    sink.flush();
                    return;
                }
                long upTo = log.lastOffset();
                if (position < upTo) {
                    batch.reset();
                    position = log.read(position, BATCH, filter, e -> {
                        if (caller.sees(e.groupId())) {
                            writeEvent(batch, e);
                        }
                        return true;
                    });
                    if (batch.size() > 0) {
                        sink.write(batch.toByteArray());
                    }
                    if (batch.size() > BATCH_BUFFER * 64) {
                        batch = new ByteArrayOutputStream(BATCH_BUFFER);
                    }
                    if (position < upTo) {
                        task.signal();
                    }
                }
                sink.flush();
            } catch (RuntimeException e) {
                LOG.warn("status event stream failed; closing it", e);
                sink.abort();
            }
        }
    }

    static void writeEvent(ByteArrayOutputStream out, StoredEvent e) {
        out.writeBytes(ID);
        writeDecimal(out, e.offset());
        out.writeBytes(DATA);
        out.writeBytes(e.json());
        out.write('\n');
        out.write('\n');
    }

    /** Writes a non-negative number in ASCII decimal. */
    private static void writeDecimal(ByteArrayOutputStream out, long value) {
        if (value >= 10) {
            writeDecimal(out, value / 10);
        }
        out.write((int) ('0' + value % 10));
    }
}
