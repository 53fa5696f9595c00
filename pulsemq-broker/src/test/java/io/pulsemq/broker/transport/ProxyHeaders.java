package io.pulsemq.broker.transport;

import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.UnknownHostException;

/** PROXY protocol v2 headers, byte by byte (HAProxy's proxy-protocol.txt section 2.2). */
final class ProxyHeaders {

    /** The 12-byte v2 signature. */
    static final byte[] SIGNATURE = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};

    private ProxyHeaders() {
    }

    /** A v2 PROXY command for TCP over IPv4. */
    static byte[] v2Proxy(String source, int sourcePort, String destination, int destinationPort) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.writeBytes(SIGNATURE);
            out.write(0x21); // version 2, command PROXY
            out.write(0x11); // AF_INET, STREAM
            out.write(0);
            out.write(12); // address block length: 4 + 4 + 2 + 2
            out.writeBytes(InetAddress.getByName(source).getAddress());
            out.writeBytes(InetAddress.getByName(destination).getAddress());
            out.write(sourcePort >> 8);
            out.write(sourcePort & 0xFF);
            out.write(destinationPort >> 8);
            out.write(destinationPort & 0xFF);
            return out.toByteArray();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** A v2 LOCAL command (a proxy's health check), no addresses. */
    static byte[] v2Local() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(SIGNATURE);
        out.write(0x20); // version 2, command LOCAL
        out.write(0x00); // AF_UNSPEC
        out.write(0);
        out.write(0);
        return out.toByteArray();
    }
}
