package io.pulsemq.broker.cluster.routes;

import io.pulsemq.broker.message.Message;
import io.pulsemq.broker.store.MessageCodec;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The binary forms of what nodes send one another. Every frame starts with a format version byte ({@link #VERSION})
 * and a kind byte; decoding a frame of another version, of an unknown kind, truncated or with trailing bytes fails with
 * {@link IllegalArgumentException}. Stateless and thread-safe.
 *
 * <p>Version 1, big-endian, where {@code string} is an int length and that many UTF-8 bytes:
 * <pre>
 * Delta:     1, 1, string node, long epoch, long seq, u8 added (0/1), string key
 * Snapshot:  1, 2, string node, long epoch, long seq, int part, int parts, int count, count x string key
 * Digest:    1, 3, string node, long epoch, long seq
 * Sync:      1, 4, string node (who asks), string target ("" = every node)
 * Routed:    1, 5, string origin, int count, count x (string shareName, string filter), the message as a
 *            {@link MessageCodec} record (which has a version byte of its own) up to the end
 * Retained:  1, 6, the message as a MessageCodec record up to the end (set)
 *            1, 7, string topic (cleared)
 * Routed, to be acknowledged (QoS 1 and 2):
 *            1, 8, string origin, long id, int count, count x (string shareName, string filter), the message record
 * Ack:       1, 9, string node (who received it), long id
 * Batch:     1, 10, int count, count x (int length, a Routed frame of kind 5 or 8 of that length)
 * Acks:      1, 11, string node (who received them), int count, count x long id
 * </pre>
 * A node sends what it routes to one node in batches (one NATS message for all it had queued for that node), and
 * acknowledges a batch's kind-8 messages in one Acks frame; single Routed and Ack frames are read too.
 * A key is a filter as a client writes it: {@code $share/<name>/<filter>} for a shared group, the filter otherwise.
 */
public final class RouteWire {

    /** The format version this build writes and reads. */
    public static final int VERSION = 1;

    private static final int DELTA = 1;
    private static final int SNAPSHOT = 2;
    private static final int DIGEST = 3;
    private static final int SYNC = 4;
    private static final int ROUTED = 5;
    private static final int RETAINED_SET = 6;
    private static final int RETAINED_CLEARED = 7;
    private static final int ROUTED_ACKED = 8;
    private static final int ACK = 9;
    private static final int BATCH = 10;
    private static final int ACKS = 11;
    /** Bytes a batch adds to its frames: version, kind, count, and a length per frame. */
    private static final int BATCH_HEAD = 6;
    private static final int BATCH_PER_FRAME = 4;

    private RouteWire() {
    }

    /** What a node says about its interest, on its interest subject. */
    public sealed interface Announcement permits Delta, Snapshot, Digest, Sync {
        /** The node that says it. */
        String node();
    }

    /**
     * One key gained (its first subscription on the node) or lost (its last).
     *
     * @param epoch the announcing node's run: another epoch is another start, whose sequence starts again
     * @param seq   one more than the node's previous delta or snapshot of this epoch
     */
    public record Delta(String node, long epoch, long seq, boolean added, String key) implements Announcement {
    }

    /**
     * Part {@code part} (from 0) of {@code parts} of the node's whole interest as of sequence {@code seq}; the parts
     * of one snapshot are sent one after the other, before any later delta.
     */
    public record Snapshot(String node, long epoch, long seq, int part, int parts, List<String> keys)
            implements Announcement {
        public Snapshot {
            keys = List.copyOf(keys);
        }
    }

    /** Where the node's announcements stand, sent periodically so that a lost last delta and new nodes are found. */
    public record Digest(String node, long epoch, long seq) implements Announcement {
    }

    /** {@code node} asks {@code target} (or every node, for "") for a snapshot. */
    public record Sync(String node, String target) implements Announcement {
        /** Whether {@code self} is asked. */
        public boolean asks(String self) {
            return target.isEmpty() || target.equals(self);
        }
    }

    /** A shared subscription group, {@code $share/<shareName>/<filter>}. */
    public record Group(String shareName, String filter) {
    }

    /**
     * A message routed to one node.
     *
     * @param origin the node it was published on
     * @param groups the shared groups of the receiving node it is to be delivered to (one member each)
     */
    public record Routed(String origin, long id, List<Group> groups, Message message) {
        public Routed {
            groups = List.copyOf(groups);
        }

        /** A message not to be acknowledged (QoS 0). */
        public Routed(String origin, List<Group> groups, Message message) {
            this(origin, 0, groups, message);
        }

        /** Whether the receiving node acknowledges it once it is stored ({@link #id} &gt; 0). */
        public boolean acknowledged() {
            return id > 0;
        }
    }

    /**
     * A receiving node's acknowledgement of a routed message: handed to its sessions, and stored where they are
     * persistent.
     *
     * @param node who received it
     * @param id   the message's ID on its origin node
     */
    public record Ack(String node, long id) {
    }

    /**
     * A receiving node's acknowledgement of routed messages.
     *
     * @param node who received them
     * @param ids  their IDs on their origin node
     */
    public record Acks(String node, long[] ids) {
    }

    /**
     * A retained topic's state in the stream.
     *
     * @param topic   the topic
     * @param message its retained message, or null if it was cleared
     */
    public record Retained(String topic, Message message) {
    }

    public static byte[] encode(Announcement a) {
        return write(out -> {
            if (a instanceof Delta d) {
                head(out, DELTA);
                string(out, d.node());
                out.writeLong(d.epoch());
                out.writeLong(d.seq());
                out.writeByte(d.added() ? 1 : 0);
                string(out, d.key());
            } else if (a instanceof Snapshot s) {
                head(out, SNAPSHOT);
                string(out, s.node());
                out.writeLong(s.epoch());
                out.writeLong(s.seq());
                out.writeInt(s.part());
                out.writeInt(s.parts());
                out.writeInt(s.keys().size());
                for (String key : s.keys()) {
                    string(out, key);
                }
            } else if (a instanceof Digest d) {
                head(out, DIGEST);
                string(out, d.node());
                out.writeLong(d.epoch());
                out.writeLong(d.seq());
            } else {
                Sync sync = (Sync) a;
                head(out, SYNC);
                string(out, sync.node());
                string(out, sync.target());
            }
        });
    }

    public static Announcement decodeAnnouncement(byte[] frame) {
        Reader in = new Reader(frame);
        Announcement a = switch (in.kind) {
            case DELTA -> new Delta(in.string(), in.i64(), in.i64(), in.bool(), in.string());
            case SNAPSHOT -> {
                String node = in.string();
                long epoch = in.i64();
                long seq = in.i64();
                int part = in.i32();
                int parts = in.i32();
                if (part < 0 || parts <= part) {
                    throw in.corrupt("part " + part + " of " + parts);
                }
                int count = in.count();
                List<String> keys = new ArrayList<>(count);
                for (int i = 0; i < count; i++) {
                    keys.add(in.string());
                }
                yield new Snapshot(node, epoch, seq, part, parts, keys);
            }
            case DIGEST -> new Digest(in.string(), in.i64(), in.i64());
            case SYNC -> new Sync(in.string(), in.string());
            default -> throw in.corrupt("not an announcement (kind " + in.kind + ")");
        };
        in.end();
        return a;
    }

    /** Encodes a routed message whose {@link MessageCodec} record the caller made once for every receiving node. */
    public static byte[] encodeRouted(String origin, List<Group> groups, byte[] messageRecord) {
        return encodeRouted(origin, 0, groups, messageRecord);
    }

    /** Encodes a routed message that the receiving node acknowledges with {@code id} (none when {@code id} is 0). */
    public static byte[] encodeRouted(String origin, long id, List<Group> groups, byte[] messageRecord) {
        // sized up front and written into one array: this runs for every message routed to another node
        byte[] originUtf8 = origin.getBytes(StandardCharsets.UTF_8);
        byte[][] groupUtf8 = new byte[groups.size() * 2][];
        int size = 2 + 4 + originUtf8.length + (id > 0 ? 8 : 0) + 4 + messageRecord.length;
        for (int i = 0; i < groups.size(); i++) {
            groupUtf8[2 * i] = groups.get(i).shareName().getBytes(StandardCharsets.UTF_8);
            groupUtf8[2 * i + 1] = groups.get(i).filter().getBytes(StandardCharsets.UTF_8);
            size += 8 + groupUtf8[2 * i].length + groupUtf8[2 * i + 1].length;
        }
        ByteBuffer out = ByteBuffer.allocate(size);
        out.put((byte) VERSION).put((byte) (id > 0 ? ROUTED_ACKED : ROUTED));
        out.putInt(originUtf8.length).put(originUtf8);
        if (id > 0) {
            out.putLong(id);
        }
        out.putInt(groups.size());
        for (byte[] utf8 : groupUtf8) {
            out.putInt(utf8.length).put(utf8);
        }
        return out.put(messageRecord).array();
    }

    /** The size of the batch of frames of {@code frameBytes} bytes in all: {@link #encodeBatch}'s length. */
    public static int batchSize(int frames, long frameBytes) {
        return (int) Math.min(Integer.MAX_VALUE, BATCH_HEAD + (long) frames * BATCH_PER_FRAME + frameBytes);
    }

    /** Encodes {@code count} routed frames ({@link #encodeRouted}) from {@code frames[from]} on as one batch. */
    public static byte[] encodeBatch(byte[][] frames, int from, int count) {
        long bytes = 0;
        for (int i = from; i < from + count; i++) {
            bytes += frames[i].length;
        }
        ByteBuffer out = ByteBuffer.allocate(batchSize(count, bytes));
        out.put((byte) VERSION).put((byte) BATCH).putInt(count);
        for (int i = from; i < from + count; i++) {
            out.putInt(frames[i].length).put(frames[i]);
        }
        return out.array();
    }

    /**
     * Decodes what a node routed here in one NATS message: a batch, or a single routed message. A batch with one
     * unreadable frame is unreadable as a whole (the sender wrote it at once).
     */
    public static List<Routed> decodeRoutedFrames(byte[] frame) {
        Reader in = new Reader(frame);
        if (in.kind != BATCH) {
            return List.of(decodeRouted(frame));
        }
        int count = in.count();
        List<Routed> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int length = in.i32();
            if (length < 2 || length > in.remaining()) {
                throw in.corrupt("batched frame " + i + " of " + length + " bytes");
            }
            int at = frame.length - in.remaining();
            out.add(decodeRouted(new Reader(frame, at, length)));
            in.skip(length);
        }
        in.end();
        return out;
    }

    /** Decodes a routed message; the message has {@link Routed#origin()} as its {@link Message#origin()}. */
    public static Routed decodeRouted(byte[] frame) {
        return decodeRouted(new Reader(frame));
    }

    private static Routed decodeRouted(Reader in) {
        if (in.kind != ROUTED && in.kind != ROUTED_ACKED) {
            throw in.corrupt("not a routed message (kind " + in.kind + ")");
        }
        String origin = in.string();
        long id = in.kind == ROUTED_ACKED ? in.i64() : 0;
        if (in.kind == ROUTED_ACKED && id <= 0) {
            throw in.corrupt("routed message ID " + id);
        }
        int count = in.count();
        List<Group> groups = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            groups.add(new Group(in.string(), in.string()));
        }
        return new Routed(origin, id, groups, MessageCodec.decodeMessage(in.rest()).withOrigin(origin));
    }

    /** Acknowledges the routed messages {@code ids[0..count)} of one origin node, received by {@code node}. */
    public static byte[] encodeAcks(String node, long[] ids, int count) {
        return write(out -> {
            head(out, ACKS);
            string(out, node);
            out.writeInt(count);
            for (int i = 0; i < count; i++) {
                out.writeLong(ids[i]);
            }
        });
    }

    /** Decodes an Acks frame, or a single Ack as Acks of one ID. */
    public static Acks decodeAcks(byte[] frame) {
        Reader in = new Reader(frame);
        if (in.kind == ACK) {
            Ack one = decodeAck(frame);
            return new Acks(one.node(), new long[] {one.id()});
        }
        if (in.kind != ACKS) {
            throw in.corrupt("not an acknowledgement (kind " + in.kind + ")");
        }
        String node = in.string();
        int count = in.i32();
        if (count < 0 || (long) count * Long.BYTES != in.remaining()) {
            throw in.corrupt(count + " IDs in " + in.remaining() + " bytes");
        }
        long[] ids = new long[count];
        for (int i = 0; i < count; i++) {
            ids[i] = in.i64();
        }
        return new Acks(node, ids);
    }

    public static byte[] encodeAck(String node, long id) {
        return write(out -> {
            head(out, ACK);
            string(out, node);
            out.writeLong(id);
        });
    }

    public static Ack decodeAck(byte[] frame) {
        Reader in = new Reader(frame);
        if (in.kind != ACK) {
            throw in.corrupt("not an acknowledgement (kind " + in.kind + ")");
        }
        Ack ack = new Ack(in.string(), in.i64());
        in.end();
        return ack;
    }

    /** A topic's retained message as the stream keeps it. */
    public static byte[] encodeRetained(Message message) {
        return write(out -> {
            head(out, RETAINED_SET);
            out.write(MessageCodec.encodeMessage(message));
        });
    }

    /** The stream's mark that {@code topic} has no retained message any more. */
    public static byte[] encodeRetainedCleared(String topic) {
        return write(out -> {
            head(out, RETAINED_CLEARED);
            string(out, topic);
        });
    }

    public static Retained decodeRetained(byte[] frame) {
        Reader in = new Reader(frame);
        switch (in.kind) {
            case RETAINED_SET -> {
                Message m = MessageCodec.decodeMessage(in.rest());
                return new Retained(m.topic(), m);
            }
            case RETAINED_CLEARED -> {
                Retained cleared = new Retained(in.string(), null);
                in.end();
                return cleared;
            }
            default -> throw in.corrupt("not a retained record (kind " + in.kind + ")");
        }
    }

    private static void head(DataOutputStream out, int kind) throws IOException {
        out.writeByte(VERSION);
        out.writeByte(kind);
    }

    private static void string(DataOutputStream out, String s) throws IOException {
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(utf8.length);
        out.write(utf8);
    }

    private interface Body {
        void write(DataOutputStream out) throws IOException;
    }

    private static byte[] write(Body body) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(128);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            body.write(out);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot happen in memory", e);
        }
        return bytes.toByteArray();
    }

    /** A bounds-checked reader over one frame, past its version and kind. */
    private static final class Reader {
        private final byte[] frame;
        /** Where this frame ends in {@link #frame} (a batched frame is a slice of its batch). */
        private final int end;
        private int at;
        final int kind;

        Reader(byte[] frame) {
            this(frame, 0, frame == null ? 0 : frame.length);
        }

        Reader(byte[] frame, int offset, int length) {
            this.frame = frame;
            this.end = offset + length;
            if (frame == null || length < 2) {
                throw new IllegalArgumentException("a route frame of " + length + " bytes is too short");
            }
            if (frame[offset] != VERSION) {
                throw new IllegalArgumentException("route frame format version " + frame[offset]
                        + "; this build reads " + VERSION);
            }
            this.kind = frame[offset + 1];
            this.at = offset + 2;
        }

        private void need(int bytes) {
            if (bytes > remaining()) {
                throw corrupt("truncated");
            }
        }

        void skip(int bytes) {
            need(bytes);
            at += bytes;
        }

        long i64() {
            need(8);
            long v = 0;
            for (int i = 0; i < 8; i++) {
                v = (v << 8) | (frame[at++] & 0xFF);
            }
            return v;
        }

        int i32() {
            need(4);
            int v = ((frame[at] & 0xFF) << 24) | ((frame[at + 1] & 0xFF) << 16) | ((frame[at + 2] & 0xFF) << 8)
                    | (frame[at + 3] & 0xFF);
            at += 4;
            return v;
        }

        boolean bool() {
            need(1);
            int b = frame[at++] & 0xFF;
            if (b > 1) {
                throw corrupt("flag " + b);
            }
            return b == 1;
        }

        /** A count of elements that take at least one byte each. */
        int count() {
            int count = i32();
            if (count < 0 || count > remaining()) {
                throw corrupt("count " + count + " exceeds the remaining bytes");
            }
            return count;
        }

        String string() {
            int length = i32();
            if (length < 0 || length > remaining()) {
                throw corrupt("string of " + length + " bytes exceeds the remaining bytes");
            }
            String s = new String(frame, at, length, StandardCharsets.UTF_8);
            at += length;
            return s;
        }

        byte[] rest() {
            byte[] rest = Arrays.copyOfRange(frame, at, end);
            at = end;
            return rest;
        }

        void end() {
            if (remaining() != 0) {
                throw corrupt(remaining() + " trailing bytes");
            }
        }

        int remaining() {
            return end - at;
        }

        IllegalArgumentException corrupt(String detail) {
            return new IllegalArgumentException("corrupt route frame (" + frame.length + " bytes, kind " + kind
                    + "): " + detail);
        }
    }
}
