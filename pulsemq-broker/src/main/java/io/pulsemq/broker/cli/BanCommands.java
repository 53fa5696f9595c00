package io.pulsemq.broker.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pulsemq.protocol.HttpSignature;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code pulsemq bans}, {@code pulsemq ban KIND VALUE} and {@code pulsemq unban KIND VALUE}: the ban list over
 * the HTTP API ({@code /api/v1/bans}, admin keys), with the same connection options and exit codes as the
 * client commands.
 */
public final class BanCommands {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private BanCommands() {
    }

    /** Adds the ban subcommands to {@code cli}. */
    public static void register(CommandLine cli, CliContext ctx) {
        cli.addSubcommand("bans", new ListCommand(ctx))
                .addSubcommand("ban", new BanCommand(ctx))
                .addSubcommand("unban", new UnbanCommand(ctx));
    }

    /** One HTTP exchange with the broker's API; failures become a message and an exit code. */
    abstract static class Base implements Callable<Integer> {
        private static final SecureRandom NONCES = new SecureRandom();

        final CliContext ctx;

        @Mixin
        Connection connection;

        Base(CliContext ctx) {
            this.ctx = ctx;
        }

        /** Sends {@code method path} (with a JSON body or none); answers the response, or null after reporting. */
        HttpResponse<String> exchange(String method, String path, String body) {
            String[] key;
            try {
                key = connection.key(ctx);
            } catch (Connection.MissingKeyException e) {
                fail(ExitCodes.AUTH, e.getMessage());
                return null;
            }
            URI base = connection.baseUrl(ctx).get();
            URI uri = base.resolve(path);
            byte[] bytes = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
            // signed like every SDK request (the bans routes take no query): a captured request cannot be re-aimed
            String authorization = HttpSignature.authorization(key[0], key[1],
                    new HttpSignature.Request(method, uri.getRawPath(), Map.of(), bytes), System.currentTimeMillis(),
                    nonce());
            HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(TIMEOUT)
                    .header("Authorization", authorization)
                    .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                            : HttpRequest.BodyPublishers.ofString(body));
            if (body != null) {
                request.header("Content-Type", "application/json");
            }
            try {
                HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
                return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            } catch (ConnectException e) {
                fail(ExitCodes.UNREACHABLE, "cannot reach the broker at " + base + " (connection refused). Is it "
                        + "running? Point --url or PULSEMQ_URL at it.");
            } catch (IOException e) {
                fail(ExitCodes.UNREACHABLE, "cannot reach the broker at " + base + " (" + e.getMessage() + ")");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail(ExitCodes.FAILURE, "interrupted");
            }
            return null;
        }

        private static String nonce() {
            byte[] random = new byte[16];
            NONCES.nextBytes(random);
            return HexFormat.of().formatHex(random);
        }

        /** The exit code for a non-2xx answer, after printing its message. */
        int refused(HttpResponse<String> response) {
            String message;
            try {
                JsonNode error = JSON.readTree(response.body());
                message = error.path("message").asText(response.body());
            } catch (IOException e) {
                message = response.body();
            }
            int status = response.statusCode();
            if (status == 401 || status == 403) {
                return fail(ExitCodes.AUTH, "not allowed: " + message + " (" + keyHint() + ")");
            }
            if (status == 404) {
                return fail(ExitCodes.NEGATIVE, message);
            }
            return fail(status == 400 ? ExitCodes.USAGE : ExitCodes.FAILURE, message + " (HTTP " + status + ")");
        }

        /** What key the command needs, said when the broker refuses it. */
        String keyHint() {
            return "bans need an admin key";
        }

        int fail(int code, String message) {
            ctx.err().println("pulsemq: " + message);
            return code;
        }

        static String line(JsonNode ban) {
            String until = ban.path("until").isNull() || ban.path("until").isMissingNode() ? "permanent"
                    : "until " + ban.path("until").asText();
            String reason = ban.path("reason").asText("");
            return ban.path("kind").asText() + " " + ban.path("value").asText() + "  " + until + "  by "
                    + ban.path("by").asText() + (reason.isEmpty() ? "" : "  (" + reason + ")");
        }
    }

    /** {@code bans}. */
    @Command(name = "bans", mixinStandardHelpOptions = true,
            description = "Lists the bans in force (operator bans and the broker's automatic ones).")
    static final class ListCommand extends Base {
        ListCommand(CliContext ctx) {
            super(ctx);
        }

        @Override
        public Integer call() throws IOException {
            HttpResponse<String> response = exchange("GET", "/api/v1/bans", null);
            if (response == null) {
                return ExitCodes.UNREACHABLE;
            }
            if (response.statusCode() != 200) {
                return refused(response);
            }
            for (JsonNode ban : JSON.readTree(response.body()).path("items")) {
                ctx.out().println(connection.json ? JSON.writeValueAsString(ban) : line(ban));
            }
            return ExitCodes.OK;
        }
    }

    /** {@code ban KIND VALUE [--duration D | --until T] [--reason R]}. */
    @Command(name = "ban", mixinStandardHelpOptions = true,
            description = {"Bans a client ID, a username or an address (IP or CIDR block); stored, survives restarts.",
                    "KIND is clientId, username or address. Without --duration or --until the ban is permanent."})
    static final class BanCommand extends Base {
        @Parameters(index = "0", paramLabel = "KIND")
        String kind;

        @Parameters(index = "1", paramLabel = "VALUE")
        String value;

        @Option(names = "--duration", paramLabel = "D", description = "How long, like 15m, 2h, 7d.")
        String duration;

        @Option(names = "--until", paramLabel = "TIME", description = "When it ends, ISO-8601 (2026-12-31T00:00:00Z).")
        String until;

        @Option(names = "--reason", paramLabel = "TEXT",
                description = "Why (shown in the list and in refusals' traces).")
        String reason;

        BanCommand(CliContext ctx) {
            super(ctx);
        }

        @Override
        public Integer call() throws IOException {
            ObjectNode body = JSON.createObjectNode().put("kind", kind).put("value", value);
            if (duration != null) {
                body.put("duration", duration);
            }
            if (until != null) {
                body.put("until", until);
            }
            if (reason != null) {
                body.put("reason", reason);
            }
            HttpResponse<String> response = exchange("POST", "/api/v1/bans", JSON.writeValueAsString(body));
            if (response == null) {
                return ExitCodes.UNREACHABLE;
            }
            if (response.statusCode() != 201) {
                return refused(response);
            }
            JsonNode ban = JSON.readTree(response.body());
            ctx.out().println(connection.json ? JSON.writeValueAsString(ban) : "banned " + line(ban));
            return ExitCodes.OK;
        }
    }

    /** {@code unban KIND VALUE}. */
    @Command(name = "unban", mixinStandardHelpOptions = true,
            description = {"Lifts a ban.", "Exit code 3 if there is no such ban."})
    static final class UnbanCommand extends Base {
        @Parameters(index = "0", paramLabel = "KIND")
        String kind;

        @Parameters(index = "1", paramLabel = "VALUE")
        String value;

        UnbanCommand(CliContext ctx) {
            super(ctx);
        }

        @Override
        public Integer call() {
            HttpResponse<String> response = exchange("DELETE", "/api/v1/bans/" + encode(kind) + "/" + encode(value),
                    null);
            if (response == null) {
                return ExitCodes.UNREACHABLE;
            }
            if (response.statusCode() != 204) {
                return refused(response);
            }
            if (connection.json) {
                ctx.out().println(JSON.createObjectNode().put("kind", kind).put("value", value).put("lifted", true));
            } else {
                ctx.out().println("lifted the " + kind + " ban of " + value);
            }
            return ExitCodes.OK;
        }

        private static String encode(String s) {
            return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
        }
    }
}
