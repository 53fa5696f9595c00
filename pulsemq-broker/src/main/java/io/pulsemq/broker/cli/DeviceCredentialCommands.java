package io.pulsemq.broker.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;

/**
 * {@code pulsemq device-credential register|get|refresh|revoke CLIENT_ID}: per-device credentials over the HTTP API
 * ({@code /api/v1/device-credentials}; server keys for their groups, admin keys for any), with the connection options
 * and exit codes of the other client commands. {@code register}, {@code get} and {@code refresh} print the MQTT
 * username and password-signing secret the device needs.
 */
public final class DeviceCredentialCommands {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String PATH = "/api/v1/device-credentials";

    private DeviceCredentialCommands() {
    }

    /** Adds {@code device-credential} and its subcommands to {@code cli}. */
    public static void register(CommandLine cli, CliContext ctx) {
        CommandLine group = new CommandLine(new Group())
                .addSubcommand("register", new Register(ctx))
                .addSubcommand("get", new Get(ctx))
                .addSubcommand("refresh", new Refresh(ctx))
                .addSubcommand("revoke", new Revoke(ctx));
        cli.addSubcommand("device-credential", group);
    }

    /** {@code device-credential}: only a name for its subcommands. */
    @Command(name = "device-credential", mixinStandardHelpOptions = true,
            description = {"Per-device credentials (ApsaraMQ's unique certificate per device): a key ID and secret that",
                    "work for one client ID only. Server keys manage their groups' client IDs, admin keys any."},
            subcommands = CommandLine.HelpCommand.class)
    static final class Group implements Runnable {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public void run() {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "name a subcommand: register, get, refresh or revoke");
        }
    }

    /** One call on one client ID's credential. */
    abstract static class Call extends BanCommands.Base {
        @Parameters(index = "0", paramLabel = "CLIENT_ID")
        String clientId;

        Call(CliContext ctx) {
            super(ctx);
        }

        @Override
        String keyHint() {
            return "device credentials need a server key for the client's group, or an admin key";
        }

        String path() {
            return PATH + "/" + URLEncoder.encode(clientId, StandardCharsets.UTF_8).replace("+", "%20");
        }

        /** Sends the request and prints the credential of a {@code expected} answer. */
        int printCredential(String method, String path, String body, int expected, String verb) throws IOException {
            HttpResponse<String> response = exchange(method, path, body);
            if (response == null) {
                return ExitCodes.UNREACHABLE;
            }
            if (response.statusCode() != expected) {
                return refused(response);
            }
            JsonNode c = JSON.readTree(response.body());
            if (connection.json) {
                ctx.out().println(JSON.writeValueAsString(c));
            } else {
                ctx.out().println(verb + " the device credential of " + c.path("clientId").asText());
                ctx.out().println("  username: " + c.path("username").asText());
                ctx.out().println("  deviceAccessKeyId: " + c.path("deviceAccessKeyId").asText());
                ctx.out().println("  deviceAccessKeySecret: " + c.path("deviceAccessKeySecret").asText());
                ctx.out().println("  password: Base64(HmacSHA1(key = deviceAccessKeySecret, data = client ID))");
            }
            return ExitCodes.OK;
        }
    }

    /** {@code device-credential register CLIENT_ID}. */
    @Command(name = "register", mixinStandardHelpOptions = true,
            description = {"Issues a credential for CLIENT_ID, replacing the one it had (a device still connected",
                    "with the old one is disconnected)."})
    static final class Register extends Call {
        Register(CliContext ctx) {
            super(ctx);
        }

        @Override
        public Integer call() throws IOException {
            String body = JSON.createObjectNode().put("clientId", clientId).toString();
            return printCredential("POST", PATH, body, 201, "registered");
        }
    }

    /** {@code device-credential get CLIENT_ID}. */
    @Command(name = "get", mixinStandardHelpOptions = true,
            description = {"Shows the credential of CLIENT_ID.", "Exit code 3 if it has none."})
    static final class Get extends Call {
        Get(CliContext ctx) {
            super(ctx);
        }

        @Override
        public Integer call() throws IOException {
            return printCredential("GET", path(), null, 200, "this is");
        }
    }

    /** {@code device-credential refresh CLIENT_ID}. */
    @Command(name = "refresh", mixinStandardHelpOptions = true,
            description = {"Issues a new key ID and secret for CLIENT_ID; the old ones stop working.",
                    "Exit code 3 if it has no credential."})
    static final class Refresh extends Call {
        Refresh(CliContext ctx) {
            super(ctx);
        }

        @Override
        public Integer call() throws IOException {
            return printCredential("POST", path() + "/refresh", null, 200, "refreshed");
        }
    }

    /** {@code device-credential revoke CLIENT_ID}. */
    @Command(name = "revoke", mixinStandardHelpOptions = true,
            description = {"Deletes the credential of CLIENT_ID (a device connected with it is disconnected).",
                    "Exit code 3 if it has none."})
    static final class Revoke extends Call {
        Revoke(CliContext ctx) {
            super(ctx);
        }

        @Override
        public Integer call() {
            HttpResponse<String> response = exchange("DELETE", path(), null);
            if (response == null) {
                return ExitCodes.UNREACHABLE;
            }
            if (response.statusCode() != 204) {
                return refused(response);
            }
            if (connection.json) {
                ctx.out().println(JSON.createObjectNode().put("clientId", clientId).put("revoked", true));
            } else {
                ctx.out().println("revoked the device credential of " + clientId);
            }
            return ExitCodes.OK;
        }
    }
}
