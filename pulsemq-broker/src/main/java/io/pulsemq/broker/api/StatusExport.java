package io.pulsemq.broker.api;

import io.pulsemq.broker.api.ApiAuth.Caller;
import io.pulsemq.broker.http.HttpRequest;
import io.pulsemq.broker.http.HttpResponse;
import io.pulsemq.broker.http.StreamSink;
import io.pulsemq.broker.statuslog.EventFilter;
import io.pulsemq.broker.statuslog.StatusLog;
import io.pulsemq.broker.statuslog.StoredEvent;
import io.pulsemq.protocol.EventType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Executor;

/**
 * {@code GET /status/export?group=&begin=&end=&format=jsonl|csv}: the stored events with times in
 * [{@code begin}, {@code end}] (epoch ms; default: everything retained up to now) as a download, one JSON object
 * per line or CSV with a header row. The first offset is found by time ({@link StatusLog#offsetAtOrAfter}); the
 * events are read in batches on the API executor and written as the client takes them. Events appended after the
 * export started are not included.
 */
final class StatusExport {

    private static final Logger LOG = LoggerFactory.getLogger(StatusExport.class);
    private static final int BATCH = 1024;

    private final StatusLog log;
    private final Executor executor;
    private final Clock clock;

    StatusExport(StatusLog log, Executor executor, Clock clock) {
        this.log = log;
        this.executor = executor;
        this.clock = clock;
    }

    /** The export formats. */
    enum Format {
        JSONL("application/x-ndjson", "jsonl"), CSV("text/csv; charset=utf-8", "csv");

        final String contentType;
        final String extension;

        Format(String contentType, String extension) {
            this.contentType = contentType;
            this.extension = extension;
        }
    }

    HttpResponse open(HttpRequest request, Caller caller) {
        Optional<String> group = Params.text(request, "group");
        group.ifPresent(caller::requireGroup);
        String formatName = Params.text(request, "format").orElse("jsonl").toLowerCase(Locale.ROOT);
        Format format = switch (formatName) {
            case "jsonl", "ndjson" -> Format.JSONL;
            case "csv" -> Format.CSV;
            default -> throw ApiException.badRequest("'format' must be jsonl or csv");
        };
        long begin = Params.longParam(request, "begin", 0);
        long end = Params.longParam(request, "end", clock.millis());
        if (begin < 0 || begin > end) {
            throw ApiException.badRequest("'begin' must be a non-negative epoch ms at or before 'end'");
        }
        EventFilter filter = new EventFilter(group.orElse(null), EnumSet.allOf(EventType.class));
        String filename = "pulsemq-status-" + group.map(g -> g + "-").orElse("") + begin + "-" + end + "." + format.extension;
        return HttpResponse.stream(200, format.contentType, sink -> executor.execute(
                        new Export(sink, filter, caller, format, begin, end)::start))
                .withHeader("Content-Disposition", "attachment; filename=\"" + filename.replaceAll("[^A-Za-z0-9._@-]", "_") + "\"");
    }

    /** One download; its steps run one after the other on the executor. */
    private final class Export {
        private final StreamSink sink;
        private final EventFilter filter;
        private final Caller caller;
        private final Format format;
        private final long begin;
        private final long end;
        private final SerialTask task;
        private long position;
        private long upTo;
        private boolean done;

        Export(StreamSink sink, EventFilter filter, Caller caller, Format format, long begin, long end) {
            this.sink = sink;
            this.filter = filter;
            this.caller = caller;
            this.format = format;
            this.begin = begin;
            this.end = end;
            this.task = new SerialTask(executor, this::step);
        }

        void start() {
            try {
                position = log.offsetAtOrAfter(begin) - 1;
                upTo = log.lastOffset();
                if (format == Format.CSV) {
                    sink.write(Csv.HEADER.getBytes(StandardCharsets.US_ASCII));
                }
                task.signal();
            } catch (RuntimeException e) {
                LOG.warn("status export failed to start", e);
                sink.abort();
            }
        }

        private void step() {
            if (!sink.isOpen()) {
                return;
            }
            try {
                if (!sink.isWritable()) {
                    sink.whenWritable(task::signal);
                    sink.flush();
                    return;
                }
                ByteArrayOutputStream out = new ByteArrayOutputStream(BATCH * 160);
                long examined = log.read(position, BATCH, filter, e -> {
                    if (e.offset() > upTo || e.time() > end) {
                        done = true;
                        return false;
                    }
                    if (caller.sees(e.groupId())) {
                        write(out, e);
                    }
                    return true;
                });
                sink.write(out.toByteArray());
                if (done || examined == position || examined >= upTo) {
                    sink.end();
                    return;
                }
                position = examined;
                sink.flush();
                task.signal();
            } catch (RuntimeException e) {
                LOG.warn("status export failed; closing the download early", e);
                sink.abort();
            }
        }

        private void write(ByteArrayOutputStream out, StoredEvent e) {
            if (format == Format.CSV) {
                out.writeBytes(Csv.row(e.event()));
            } else {
                out.writeBytes(e.json());
                out.write('\n');
            }
        }
    }
}
