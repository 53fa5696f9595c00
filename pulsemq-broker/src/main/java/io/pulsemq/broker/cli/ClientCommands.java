package io.pulsemq.broker.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.pulsemq.protocol.ClientStatus;
import io.pulsemq.protocol.StatusEvent;
import io.pulsemq.protocol.StatusEventJson;
import io.pulsemq.sdk.ApiTimeoutException;
import io.pulsemq.sdk.ApiUnavailableException;
import io.pulsemq.sdk.ClientSnapshot;
import io.pulsemq.sdk.ExportQuery;
import io.pulsemq.sdk.ListQuery;
import io.pulsemq.sdk.StatusApiException;
import io.pulsemq.sdk.StatusClient;
import io.pulsemq.sdk.StatusStream;
import io.pulsemq.sdk.Statuses;
import io.pulsemq.sdk.TraceEntry;
import io.pulsemq.sdk.TraceQuery;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;

import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/**
 * The client subcommands of {@code pulsemq}. Each prints human-readable lines by default and one JSON object per
 * line with {@code --json}, and answers an exit code of {@link ExitCodes}. Failures are one line on standard error,
 * never a stack trace.
 */
public final class ClientCommands {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private ClientCommands() {
    }

    /** Adds the client subcommands to {@code cli}. */
    public static void register(CommandLine cli, CliContext ctx) {
        cli.addSubcommand("status", new StatusCommand(ctx))
                .addSubcommand("clients", new ClientsCommand(ctx))
                .addSubcommand("watch", new WatchCommand(ctx))
                .addSubcommand("trace", new TraceCommand(ctx))
                .addSubcommand("kick", new KickCommand(ctx))
                .addSubcommand("export", new ExportCommand(ctx));
    }

    /** A command body, given a connected client. */
    @FunctionalInterface
    interface Body {
        int run(StatusClient client) throws IOException, InterruptedException;
    }

    /** Common frame: builds the client, runs the body, turns failures into a message and an exit code. */
    abstract static class Base implements Callable<Integer> {
        final CliContext ctx;

        @Mixin
        Connection connection;

        Base(CliContext ctx) {
            this.ctx = ctx;
        }

        PrintStream out() {
            return ctx.out();
        }

        int run(Body body) {
            StatusClient client;
            try {
                client = connection.client(ctx);
            } catch (Connection.MissingKeyException e) {
                return fail(ExitCodes.AUTH, e.getMessage());
            } catch (IllegalArgumentException e) {
                return fail(ExitCodes.USAGE, "bad --url or PULSEMQ_URL: " + e.getMessage());
            }
            try (client) {
                return body.run(client);
            } catch (ApiUnavailableException e) {
                String why = e instanceof ApiTimeoutException ? "no answer in time"
                        : e.getCause() instanceof java.net.ConnectException ? "connection refused" : e.getMessage();
                return fail(ExitCodes.UNREACHABLE, "cannot reach the broker at " + connection.describe(ctx) + " ("
                        + why + "). Is it running? Point --url or PULSEMQ_URL at it.");
            } catch (StatusApiException.UnauthorizedException e) {
                return fail(ExitCodes.AUTH, "the broker refused the access key (" + e.getMessage() + "). Check "
                        + "--access-key/--secret-key or PULSEMQ_ACCESS_KEY/PULSEMQ_SECRET_KEY.");
            } catch (StatusApiException.ForbiddenException e) {
                return fail(ExitCodes.AUTH, "not allowed: " + e.getMessage());
            } catch (StatusApiException e) {
                return fail(ExitCodes.FAILURE, e.getMessage() + " (HTTP " + e.status() + ", " + e.errorCode() + ")");
            } catch (IOException | UncheckedIOException e) {
                return fail(ExitCodes.FAILURE, e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return fail(ExitCodes.FAILURE, "interrupted");
            } catch (RuntimeException e) {
                return fail(ExitCodes.FAILURE, String.valueOf(e.getMessage()));
            }
        }

        int fail(int code, String message) {
            ctx.err().println("pulsemq: " + message);
            return code;
        }

        void printJson(Object value) {
            try {
                out().println(JSON.writeValueAsString(value));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** {@code status <clientId>...}. */
    @Command(name = "status", mixinStandardHelpOptions = true,
            description = {"Shows whether clients are online.",
                    "Exit code 0 if every one is online, 3 if any is offline or never seen."})
    static final class StatusCommand extends Base {
        @Parameters(arity = "1..*", paramLabel = "CLIENT_ID", description = "Client IDs (any number).")
        List<String> clientIds;

        StatusCommand(CliContext ctx) {
            super(ctx);
        }

        @Override
        public Integer call() {
            return run(client -> {
                Statuses answer = client.statuses(clientIds);
                int width = Format.width(answer.statuses());
                for (ClientStatus s : answer.statuses()) {
                    if (connection.json) {
                        printJson(s);
                    } else {
                        out().println(Format.status(s, width));
                    }
                }
                boolean allOnline = answer.statuses().stream().allMatch(ClientStatus::online);
                return allOnline ? ExitCodes.OK : ExitCodes.NEGATIVE;
            });
        }
    }

    /** {@code clients [--group G] [--online]}. */
    @Command(name = "clients", mixinStandardHelpOptions = true,
            description = "Lists the known clients (every page), with a count of those online.")
    static final class ClientsCommand extends Base {
        @Option(names = "--group", paramLabel = "GROUP", description = "Only this group.")
        String group;

        @Option(names = "--online", description = "Only clients that are online.")
        boolean onlineOnly;

        ClientsCommand(CliContext ctx) {
            super(ctx);
        }

        @Override
        public Integer call() {
            return run(client -> {
                ListQuery query = ListQuery.all().group(group).online(onlineOnly ? Boolean.TRUE : null);
                if (connection.json) {
                    try (Stream<ClientStatus> all = client.list(query)) {
                        all.forEach(this::printJson);
                    }
                    return ExitCodes.OK;
                }
                ClientSnapshot snapshot = client.snapshot(query);
                int width = Format.width(snapshot.clients());
                long online = 0;
                for (ClientStatus s : snapshot.clients()) {
                    out().println(Format.status(s, width));
                    online += s.online() ? 1 : 0;
                }
                out().println(snapshot.clients().size() + " client" + (snapshot.clients().size() == 1 ? "" : "s")
                        + (onlineOnly ? "" : ", " + online + " online") + " (revision " + snapshot.revision() + ")");
                return ExitCodes.OK;
            });
        }
    }

    /** {@code watch [--group G] [--from OFFSET] [--count N]}. */
    @Command(name = "watch", mixinStandardHelpOptions = true,
            description = {"Prints status events as they happen, one line each, until interrupted.",
                    "Reconnects on its own and resumes where it stopped."})
    static final class WatchCommand extends Base {
        @Option(names = "--group", paramLabel = "GROUP", description = "Only this group.")
        String group;

        @Option(names = "--from", paramLabel = "OFFSET",
                description = "Start after this offset (0: everything retained; default: only new events).")
        Long from;

        @Option(names = "--count", paramLabel = "N", description = "Stop after N events.")
        Long count;

        WatchCommand(CliContext ctx) {
            super(ctx);
        }

        @Override
        public Integer call() {
            return run(client -> {
                long start = from != null ? from : client.groups().revision();
                try (StatusStream events = StatusStream.builder().client(client).group(group).from(start).open()) {
                    long seen = 0;
                    while ((count == null || seen < count) && events.hasNext()) {
                        StatusEvent e = events.next();
                        out().println(connection.json ? new String(StatusEventJson.encode(e), java.nio.charset.StandardCharsets.UTF_8)
                                : Format.event(e));
                        out().flush();
                        seen++;
                    }
                } catch (StatusApiException.GoneException e) {
                    return fail(ExitCodes.FAILURE, e.getMessage());
                }
                return ExitCodes.OK;
            });
        }
    }

    /** {@code trace <clientId>}. */
    @Command(name = "trace", mixinStandardHelpOptions = true,
            description = "Shows a client's status events and rejected connection attempts, oldest first.")
    static final class TraceCommand extends Base {
        @Parameters(paramLabel = "CLIENT_ID")
        String clientId;

        @Option(names = "--begin", paramLabel = "TIME", converter = TimeArgument.class,
                description = "Earliest time (epoch ms or ISO-8601).")
        Instant begin;

        @Option(names = "--end", paramLabel = "TIME", converter = TimeArgument.class,
                description = "Latest time (epoch ms or ISO-8601).")
        Instant end;

        @Option(names = "--limit", paramLabel = "N", description = "At most N entries.")
        Long limit;

        @Option(names = "--newest-first", description = "Newest entry first.")
        boolean newestFirst;

        TraceCommand(CliContext ctx) {
            super(ctx);
        }

        @Override
        public Integer call() {
            return run(client -> {
                TraceQuery query = TraceQuery.all().newestFirst(newestFirst);
                if (begin != null) {
                    query = query.begin(begin);
                }
                if (end != null) {
                    query = query.end(end);
                }
                long n = 0;
                try (Stream<TraceEntry> entries = client.trace(clientId, query)) {
                    for (TraceEntry e : (Iterable<TraceEntry>) entries.limit(limit == null ? Long.MAX_VALUE : limit)::iterator) {
                        out().println(connection.json ? Format.traceJson(e) : Format.trace(e));
                        n++;
                    }
                }
                if (!connection.json && n == 0) {
                    out().println("no trace entries for " + clientId);
                }
                return ExitCodes.OK;
            });
        }
    }

    /** {@code kick <clientId>}. */
    @Command(name = "kick", mixinStandardHelpOptions = true,
            description = {"Disconnects a client (its tcpclean has reason kicked).", "Exit code 3 if it is not connected."})
    static final class KickCommand extends Base {
        @Parameters(paramLabel = "CLIENT_ID")
        String clientId;

        KickCommand(CliContext ctx) {
            super(ctx);
        }

        @Override
        public Integer call() {
            return run(client -> {
                boolean kicked = client.kick(clientId);
                if (connection.json) {
                    printJson(java.util.Map.of("clientId", clientId, "disconnected", kicked));
                } else {
                    out().println(kicked ? "disconnected " + clientId : clientId + " is not connected");
                }
                return kicked ? ExitCodes.OK : ExitCodes.NEGATIVE;
            });
        }
    }

    /** {@code export --group G --begin T --end T --format jsonl|csv -o FILE}. */
    @Command(name = "export", mixinStandardHelpOptions = true,
            description = "Downloads stored status events to a file (progress on a terminal).")
    static final class ExportCommand extends Base {
        @Option(names = "--group", paramLabel = "GROUP", description = "Only this group (default: all).")
        String group;

        @Option(names = "--begin", paramLabel = "TIME", converter = TimeArgument.class,
                description = "Earliest event time, epoch ms or ISO-8601 (default: the oldest retained).")
        Instant begin;

        @Option(names = "--end", paramLabel = "TIME", converter = TimeArgument.class,
                description = "Latest event time, epoch ms or ISO-8601 (default: now).")
        Instant end;

        @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "jsonl",
                description = "jsonl or csv (default: ${DEFAULT-VALUE}).")
        String format;

        @Option(names = {"-o", "--output"}, paramLabel = "FILE", required = true,
                description = "Where to write; - for standard output.")
        String output;

        ExportCommand(CliContext ctx) {
            super(ctx);
        }

        @Override
        public Integer call() {
            ExportQuery.Format f;
            try {
                f = ExportQuery.Format.valueOf(format.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                return fail(ExitCodes.USAGE, "--format must be jsonl or csv");
            }
            if (begin != null && end != null && begin.isAfter(end)) {
                return fail(ExitCodes.USAGE, "--begin is after --end");
            }
            ExportQuery query = new ExportQuery(group, begin, end, f);
            boolean toStdout = output.equals("-");
            return run(client -> {
                Path file = toStdout ? null : Path.of(output);
                Path partial = toStdout ? null : file.resolveSibling(file.getFileName() + ".part");
                ExportProgress progress = new ExportProgress(toStdout ? ctx.out() : Files.newOutputStream(partial),
                        f, begin, end, ctx.terminal() ? ctx.err() : null);
                try (OutputStream sink = progress) {
                    client.export(query, sink);
                } catch (RuntimeException e) {
                    if (partial != null) {
                        Files.deleteIfExists(partial);
                    }
                    throw e;
                }
                progress.finish();
                if (!toStdout) {
                    Files.move(partial, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                    out().println("exported " + progress.events() + " event" + (progress.events() == 1 ? "" : "s")
                            + " (" + progress.bytes() + " bytes) to " + file);
                }
                return ExitCodes.OK;
            });
        }
    }

    /** Line formats. */
    static final class Format {
        private Format() {
        }

        static int width(List<ClientStatus> statuses) {
            int w = 8;
            for (ClientStatus s : statuses) {
                w = Math.max(w, s.clientId().length());
            }
            return w;
        }

        /** {@code GID_car@@@vin1  online   since 2026-11-25T22:19:47.123Z  10.1.2.3:53122  v7}. */
        static String status(ClientStatus s, int width) {
            String id = pad(s.clientId(), width);
            if (s.version() == 0) {
                return id + "  offline  never seen";
            }
            if (s.online()) {
                return id + "  online   since " + Instant.ofEpochMilli(s.connectedAt()) + "  " + s.clientIp()
                        + "  v" + s.version();
            }
            return id + "  offline  since " + Instant.ofEpochMilli(s.disconnectedAt()) + "  "
                    + (s.lastReason() == null ? s.lastEventType() : s.lastReason()) + "  v" + s.version();
        }

        /** {@code 2026-11-25T22:19:47.123Z  #1042  connect     GID_car@@@vin123  10.1.2.3:53122  v7}. */
        static String event(StatusEvent e) {
            return Instant.ofEpochMilli(e.time()) + "  #" + e.offset() + "  " + pad(e.eventType().wireName(), 11)
                    + e.clientId() + "  " + e.clientIp() + "  v" + e.version()
                    + (e.reason() == null ? "" : "  " + e.reason().wireName());
        }

        static String trace(TraceEntry e) {
            return Instant.ofEpochMilli(e.time()) + "  " + pad(e.eventType(), 17) + e.clientIp()
                    + (e.event() == null ? "" : "  v" + e.event().version())
                    + (e.reason() == null ? "" : "  " + e.reason())
                    + (e.rejected() && e.remark() != null ? "  (" + e.remark() + ")" : "");
        }

        static String traceJson(TraceEntry e) {
            if (e.event() != null) {
                return new String(StatusEventJson.encode(e.event()), java.nio.charset.StandardCharsets.UTF_8);
            }
            StringWriter w = new StringWriter();
            try (JsonGenerator g = JSON.getFactory().createGenerator(w)) {
                g.writeStartObject();
                g.writeStringField("clientId", e.clientId());
                g.writeStringField("eventType", e.eventType());
                g.writeStringField("channelId", e.channelId());
                g.writeStringField("clientIp", e.clientIp());
                g.writeNumberField("time", e.time());
                g.writeStringField("reason", e.reason());
                g.writeStringField("remark", e.remark());
                g.writeEndObject();
            } catch (IOException ex) {
                throw new UncheckedIOException(ex);
            }
            return w.toString();
        }

        static String pad(String s, int width) {
            StringBuilder b = new StringBuilder(s == null ? "-" : s);
            while (b.length() < width) {
                b.append(' ');
            }
            return b.toString();
        }
    }

}
