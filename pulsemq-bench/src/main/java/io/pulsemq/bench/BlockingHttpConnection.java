package io.pulsemq.bench;

import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;

/**
 * One keep-alive HTTP/1.1 connection driven by one thread with blocking socket calls: the load generator of the
 * status-query benchmark. Requests are prepared once as bytes ({@link #request}) and written as they are; an answer
 * is read into a buffer the connection reuses. It understands what the broker's query routes send (a status line,
 * headers, a body of {@code Content-Length} bytes) and nothing more: no chunked bodies, no redirects, no TLS.
 *
 * <p>Why not the JDK's HttpClient: driving about 600 batch requests a second (300 KB answers) it used almost a
 * whole core of the two the broker also runs on, so the benchmark measured its client as much as the broker.
 * A thread blocked in {@code read} costs nothing while it waits, and nothing here is copied twice.
 */
final class BlockingHttpConnection implements Closeable {

    private static final int MAX_HEAD = 16 * 1024;

    private final InetSocketAddress address;
    private Socket socket;
    private InputStream in;
    private OutputStream out;
    private byte[] body = new byte[64 * 1024];
    private int bodyLength;

    BlockingHttpConnection(InetSocketAddress address) {
        this.address = address;
    }

    /**
     * The bytes of one request.
     *
     * @param method        e.g. {@code GET}
     * @param path          the request target, already encoded
     * @param authorization the {@code Authorization} header value
     * @param body          the JSON body, or null for none
     */
    static byte[] request(String method, String path, String authorization, byte[] body) {
        StringBuilder head = new StringBuilder(256)
                .append(method).append(' ').append(path).append(" HTTP/1.1\r\n")
                .append("Host: 127.0.0.1\r\n")
                .append("Authorization: ").append(authorization).append("\r\n");
        if (body != null) {
            head.append("Content-Type: application/json\r\nContent-Length: ").append(body.length).append("\r\n");
        }
        byte[] h = head.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII);
        if (body == null) {
            return h;
        }
        byte[] all = Arrays.copyOf(h, h.length + body.length);
        System.arraycopy(body, 0, all, h.length, body.length);
        return all;
    }

    /**
     * Sends {@code request} and reads the whole answer; (re)connects first if needed.
     *
     * @return the status code; the body is {@link #body()} until the next call
     */
    int exchange(byte[] request) throws IOException {
        if (socket == null) {
            connect();
        }
        try {
            out.write(request);
            out.flush();
            return readResponse();
        } catch (IOException e) {
            close();
            throw e;
        }
    }

    /** The last answer's body: {@link #bodyLength()} bytes from index 0. Overwritten by the next exchange. */
    byte[] body() {
        return body;
    }

    int bodyLength() {
        return bodyLength;
    }

    private void connect() throws IOException {
        Socket s = new Socket();
        s.setTcpNoDelay(true);
        s.connect(address, 5_000);
        s.setSoTimeout(10_000);
        socket = s;
        in = new BufferedInputStream(s.getInputStream(), 64 * 1024);
        out = s.getOutputStream();
    }

    private int readResponse() throws IOException {
        String statusLine = readLine();
        if (!statusLine.startsWith("HTTP/1.1 ") || statusLine.length() < 12) {
            throw new IOException("not an HTTP/1.1 status line: " + statusLine);
        }
        int status = Integer.parseInt(statusLine.substring(9, 12));
        int length = -1;
        boolean close = false;
        for (String line = readLine(); !line.isEmpty(); line = readLine()) {
            int colon = line.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String name = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
            String value = line.substring(colon + 1).trim();
            if (name.equals("content-length")) {
                length = Integer.parseInt(value);
            } else if (name.equals("connection") && value.equalsIgnoreCase("close")) {
                close = true;
            } else if (name.equals("transfer-encoding")) {
                throw new IOException("chunked answers are not supported by this client");
            }
        }
        if (length < 0) {
            throw new IOException("answer without Content-Length");
        }
        if (body.length < length) {
            body = new byte[Math.max(length, body.length * 2)];
        }
        int read = in.readNBytes(body, 0, length);
        if (read < length) {
            throw new EOFException("connection closed after " + read + " of " + length + " body bytes");
        }
        bodyLength = length;
        if (close) {
            close();
        }
        return status;
    }

    private String readLine() throws IOException {
        StringBuilder line = new StringBuilder(64);
        for (int c = in.read(); c != '\n'; c = in.read()) {
            if (c < 0) {
                throw new EOFException("connection closed in the middle of an answer's head");
            }
            if (c != '\r') {
                line.append((char) c);
            }
            if (line.length() > MAX_HEAD) {
                throw new IOException("answer head longer than " + MAX_HEAD + " bytes");
            }
        }
        return line.toString();
    }

    @Override
    public void close() {
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing a connection we are abandoning anyway
            }
            socket = null;
        }
    }
}
