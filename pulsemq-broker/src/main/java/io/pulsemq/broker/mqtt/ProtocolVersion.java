package io.pulsemq.broker.mqtt;

/**
 * What differs between MQTT 3.1, 3.1.1 and 5.0, as a strategy the connection handler consults
 * instead of branching on version numbers everywhere.
 */
enum ProtocolVersion {
    MQTT_3_1(3) {
        @Override
        boolean acceptsEmptyClientId(boolean cleanStart) {
            return false; // 3.1 requires 1..23 characters
        }
    },
    MQTT_3_1_1(4) {
        @Override
        boolean acceptsEmptyClientId(boolean cleanStart) {
            return cleanStart; // [MQTT-3.1.3-7], [MQTT-3.1.3-8]
        }
    },
    MQTT_5(5) {
        @Override
        boolean hasProperties() {
            return true;
        }

        @Override
        boolean acceptsEmptyClientId(boolean cleanStart) {
            return true; // the server assigns one and returns it [MQTT-3.2.2-16]
        }

        @Override
        byte connAckCode(Refusal refusal) {
            return refusal.v5Code;
        }
    };

    /** The protocol level byte of CONNECT. */
    final int level;

    ProtocolVersion(int level) {
        this.level = level;
    }

    /** Whether packets carry properties and reason codes. */
    boolean hasProperties() {
        return false;
    }

    /** Whether a zero-length client ID is acceptable. */
    abstract boolean acceptsEmptyClientId(boolean cleanStart);

    /** The CONNACK return or reason code for a refusal. */
    byte connAckCode(Refusal refusal) {
        return refusal.v3Code;
    }

    /** The version for a CONNECT protocol level, or null. */
    static ProtocolVersion ofLevel(int level) {
        switch (level) {
            case 3:
                return MQTT_3_1;
            case 4:
                return MQTT_3_1_1;
            case 5:
                return MQTT_5;
            default:
                return null;
        }
    }
}
