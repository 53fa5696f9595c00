package io.pulsemq.bench;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class JvmHeapTest {

    @Test
    void parseUsedKiB_g1HeapInfo_wholeHeapNotRegion() {
        String out = String.join("\n",
                "12345:",
                " garbage-first heap   total 262144K, used 23456K [0x0000000700000000, 0x0000000800000000)",
                "  region size 1024K, 3 young (3072K), 0 survivors (0K)",
                " Metaspace       used 5000K, committed 5184K, reserved 1114112K");

        assertThat(JvmHeap.parseUsedKiB(out)).isEqualTo(23456);
    }

    @Test
    void parseUsedKiB_noHeapLine_isMinusOne() {
        assertThat(JvmHeap.parseUsedKiB("12345:\nAttachNotSupportedException")).isEqualTo(-1);
    }
}
