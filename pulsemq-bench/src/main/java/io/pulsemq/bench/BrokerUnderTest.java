package io.pulsemq.bench;

import java.net.InetSocketAddress;

/**
 * A broker started for one part of the bench, stopped by {@link #close()}.
 *
 * @param kind     which broker
 * @param version  its version, for the report
 * @param mqtt     its MQTT listener
 * @param process  its process
 * @param httpPort PulseMQ's HTTP port (for /metrics), or 0
 * @param mqtts    its MQTT over TLS listener, or null when it was started without one
 */
record BrokerUnderTest(Kind kind, String version, InetSocketAddress mqtt, ManagedProcess process, int httpPort,
                       InetSocketAddress mqtts) implements AutoCloseable {

    BrokerUnderTest(Kind kind, String version, InetSocketAddress mqtt, ManagedProcess process, int httpPort) {
        this(kind, version, mqtt, process, httpPort, null);
    }

    /** The brokers the bench compares. */
    enum Kind {
        PULSEMQ("PulseMQ", true),
        MOSQUITTO("Mosquitto", false),
        HIVEMQ("HiveMQ CE", true);

        private final String label;
        private final boolean jvm;

        Kind(String label, boolean jvm) {
            this.label = label;
            this.jvm = jvm;
        }

        /** The name in the report. */
        String label() {
            return label;
        }

        /** Whether it runs on a JVM (then its heap after GC is measured too). */
        boolean jvm() {
            return jvm;
        }
    }

    String name() {
        return kind.label();
    }

    long pid() {
        return process.pid();
    }

    @Override
    public void close() {
        process.close();
    }
}
