package io.pulsemq.broker.session;

/** Whether a new connection may be accepted now, and if not, why: each maps to its own CONNACK code. */
public enum Admission {
    /** Accepted. */
    OPEN,
    /** The lifecycle listener cannot keep up for now (v5 0x89 Server busy, 3.1.1 code 3). */
    BUSY,
    /** The lifecycle listener cannot record connections (store error, full disk) (v5 0x88, 3.1.1 code 3). */
    UNAVAILABLE
}
