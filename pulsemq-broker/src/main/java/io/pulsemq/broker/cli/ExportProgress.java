package io.pulsemq.broker.cli;

import io.pulsemq.sdk.ExportQuery;

import java.io.ByteArrayOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Passes an export through, counting bytes and events (lines; the CSV header is not one), and, when given a
 * terminal, redraws a progress bar there at most five times a second. The fraction done is how far the time of the
 * latest event is between the first event's (or {@code --begin}) and {@code --end} (or the start of the export):
 * events are in time order, so it only grows.
 */
final class ExportProgress extends FilterOutputStream {

    private static final Pattern JSON_TIME = Pattern.compile("\"time\":(\\d+)");
    private static final int CSV_TIME_COLUMN = 6;
    private static final int BAR = 30;
    private static final long REDRAW_NANOS = 200_000_000L;

    private final ExportQuery.Format format;
    private final PrintStream terminal;
    private final long end;
    private long begin;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream(512);
    private long bytes;
    private long lines;
    private long latestTime = -1;
    private long lastDraw;

    ExportProgress(OutputStream out, ExportQuery.Format format, Instant begin, Instant end, PrintStream terminal) {
        super(out);
        this.format = format;
        this.terminal = terminal;
        this.begin = begin == null ? -1 : begin.toEpochMilli();
        this.end = end == null ? System.currentTimeMillis() : end.toEpochMilli();
    }

    @Override
    public void write(int b) throws IOException {
        out.write(b);
        bytes++;
        track((byte) b);
        maybeDraw();
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        out.write(b, off, len);
        bytes += len;
        for (int i = off; i < off + len; i++) {
            track(b[i]);
        }
        maybeDraw();
    }

    private void track(byte b) {
        if (b != '\n') {
            if (terminal != null && line.size() < 4096) {
                line.write(b);
            }
            return;
        }
        lines++;
        if (terminal != null) {
            long t = timeOf(line.toString(StandardCharsets.UTF_8));
            if (t >= 0) {
                latestTime = t;
                if (begin < 0) {
                    begin = t;
                }
            }
            line.reset();
        }
    }

    private long timeOf(String text) {
        try {
            if (format == ExportQuery.Format.JSONL) {
                Matcher m = JSON_TIME.matcher(text);
                return m.find() ? Long.parseLong(m.group(1)) : -1;
            }
            String[] cols = text.split(",", -1);
            return cols.length > CSV_TIME_COLUMN ? Long.parseLong(cols[CSV_TIME_COLUMN].trim()) : -1;
        } catch (NumberFormatException header) {
            return -1;
        }
    }

    /** Events written: lines, less the CSV header. */
    long events() {
        return format == ExportQuery.Format.CSV ? Math.max(0, lines - 1) : lines;
    }

    long bytes() {
        return bytes;
    }

    private void maybeDraw() {
        if (terminal == null) {
            return;
        }
        long now = System.nanoTime();
        if (now - lastDraw >= REDRAW_NANOS) {
            lastDraw = now;
            draw(false);
        }
    }

    private void draw(boolean done) {
        double fraction = done ? 1.0 : latestTime < 0 || end <= begin ? 0.0
                : Math.min(1.0, Math.max(0.0, (latestTime - begin) / (double) (end - begin)));
        int filled = (int) Math.round(fraction * BAR);
        terminal.print("\r[" + "#".repeat(filled) + ".".repeat(BAR - filled) + "] "
                + String.format("%3d%%  %,d events  %,d bytes", Math.round(fraction * 100), events(), bytes));
        if (done) {
            terminal.println();
        }
        terminal.flush();
    }

    /** Draws the finished bar (on a terminal). */
    void finish() {
        if (terminal != null) {
            draw(true);
        }
    }

    @Override
    public void close() throws IOException {
        if (out instanceof PrintStream) {
            out.flush();
        } else {
            super.close();
        }
    }
}
