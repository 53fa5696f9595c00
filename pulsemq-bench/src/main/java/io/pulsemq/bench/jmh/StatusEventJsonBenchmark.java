package io.pulsemq.bench.jmh;

import io.pulsemq.protocol.DisconnectReason;
import io.pulsemq.protocol.EventType;
import io.pulsemq.protocol.StatusEvent;
import io.pulsemq.protocol.StatusEventJson;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

import java.util.concurrent.TimeUnit;

/** {@link StatusEventJson#encode}: once per status event on the status log's writer thread. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class StatusEventJsonBenchmark {

    private final StatusEvent connect = new StatusEvent(1042, "GID_car@@@vin123", "GID_car", EventType.CONNECT,
            "5f0c9e3b8a6d4f2e9b1c7a0d3e4f5a6b", "10.1.2.3:53122", 1_764_100_000_123L, 7, null, "node-1", null, null);
    private final StatusEvent tcpclean = new StatusEvent(1044, "GID_car@@@vin123", "GID_car", EventType.TCPCLEAN,
            "5f0c9e3b8a6d4f2e9b1c7a0d3e4f5a6b", "10.1.2.3:53122", 1_764_100_000_456L, 9,
            DisconnectReason.CLIENT_DISCONNECT, "node-1", null, null);

    @Benchmark
    public byte[] encodeConnect() {
        return StatusEventJson.encode(connect);
    }

    @Benchmark
    public byte[] encodeTcpclean() {
        return StatusEventJson.encode(tcpclean);
    }
}
