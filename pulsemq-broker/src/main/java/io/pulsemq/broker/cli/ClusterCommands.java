package io.pulsemq.broker.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code pulsemq cluster status}: the cluster as the broker the command talks to sees it ({@code GET /api/v1/cluster}):
 * each node with whether it is alive and how many clients it holds, the NATS connection, and the status stream's
 * offsets, leader and replicas. Exit code 0 while the node can write to the stream and every node it knows is alive,
 * {@link ExitCodes#NEGATIVE} otherwise.
 */
public final class ClusterCommands {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private ClusterCommands() {
    }

    /** Adds {@code cluster} and its subcommand to {@code cli}. */
    public static void register(CommandLine cli, CliContext ctx) {
        CommandLine cluster = new CommandLine(new ClusterCommand());
        cluster.addSubcommand("status", new StatusCommand(ctx));
        cli.addSubcommand("cluster", cluster);
    }

    /** {@code cluster}: only a name for its subcommands. */
    @Command(name = "cluster", mixinStandardHelpOptions = true,
            description = "The cluster of broker nodes (cluster.engine: nats).",
            subcommands = CommandLine.HelpCommand.class)
    static final class ClusterCommand {
    }

    /** {@code cluster status}. */
    @Command(name = "status", mixinStandardHelpOptions = true,
            description = {"Lists the nodes (alive or dead, clients online), the NATS connection and the status "
                    + "stream (offsets, leader, replicas) as the broker sees them.",
                    "Exit code 0 when the stream takes writes and every known node is alive, 3 otherwise."})
    static final class StatusCommand extends BanCommands.Base {
        StatusCommand(CliContext ctx) {
            super(ctx);
        }

        @Override
        String keyHint() {
            return "cluster status needs a server or admin key";
        }

        @Override
        public Integer call() throws IOException {
            HttpResponse<String> response = exchange("GET", "/api/v1/cluster", null);
            if (response == null) {
                return ExitCodes.UNREACHABLE;
            }
            if (response.statusCode() != 200) {
                return refused(response);
            }
            JsonNode status = JSON.readTree(response.body());
            boolean healthy = status.path("stream").path("writable").asBoolean(true);
            for (JsonNode n : status.path("nodes")) {
                healthy &= n.path("alive").asBoolean();
            }
            if (connection.json) {
                ctx.out().println(JSON.writeValueAsString(status));
            } else {
                lines(status).forEach(ctx.out()::println);
            }
            return healthy ? ExitCodes.OK : ExitCodes.NEGATIVE;
        }

        static List<String> lines(JsonNode s) {
            List<String> out = new ArrayList<>();
            if ("none".equals(s.path("engine").asText())) {
                out.add("single node " + s.path("node").asText() + " (cluster.engine: none), "
                        + s.path("nodes").path(0).path("onlineClients").asLong() + " clients online");
                return out;
            }
            for (JsonNode n : s.path("nodes")) {
                out.add(String.format("node %-16s %-5s %8d clients online%s", n.path("node").asText(),
                        n.path("alive").asBoolean() ? "alive" : "DEAD", n.path("onlineClients").asLong(),
                        n.path("self").asBoolean() ? "  (this node)" : ""));
            }
            JsonNode nats = s.path("nats");
            out.add("nats   " + nats.path("status").asText() + " " + nats.path("server").asText());
            JsonNode st = s.path("stream");
            StringBuilder stream = new StringBuilder("stream " + st.path("name").asText());
            if (st.has("lastOffset")) {
                stream.append("  offsets ").append(st.path("firstOffset").asLong()).append("..")
                        .append(st.path("lastOffset").asLong()).append(" (applied here ")
                        .append(st.path("appliedOffset").asLong()).append(")  ").append(st.path("bytes").asLong())
                        .append(" bytes  leader ").append(st.path("leader").asText("-"));
                for (JsonNode r : st.path("replicas")) {
                    stream.append("  replica ").append(r.path("name").asText())
                            .append(r.path("current").asBoolean() ? " current" : " behind")
                            .append(" lag ").append(r.path("lag").asLong());
                }
            }
            out.add(stream.toString());
            if (!st.path("writable").asBoolean(true)) {
                out.add("NOT WRITABLE: " + st.path("reason").asText());
            }
            return out;
        }
    }
}
