package io.pulsemq.broker.cluster;

import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.client.Options;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One real nats-server with JetStream for a test class, and a client connection to it:
 * {@code @RegisterExtension static final SingleNats NATS = new SingleNats();}. Started before the class's first test,
 * stopped after its last.
 */
public final class SingleNats implements BeforeAllCallback, AfterAllCallback {

    private NatsCluster server;
    private Connection connection;

    /** The connection to the server (open between the class's first and last test). */
    public Connection connection() {
        return connection;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        server = NatsCluster.single();
        connection = Nats.connect(new Options.Builder().servers(server.urls().toArray(new String[0])).build());
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        if (connection != null) {
            connection.close();
        }
        if (server != null) {
            server.close();
        }
    }
}
