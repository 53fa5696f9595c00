package io.pulsemq.broker.api;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class NonceCacheTest {

    @Test
    void remember_sameNonceWithinTtl_isReplayed_afterTtl_isNew() {
        NonceCache cache = new NonceCache(1000, 10);

        assertThat(cache.remember("AK", "n", 0)).isEqualTo(NonceCache.Result.NEW);
        assertThat(cache.remember("AK", "n", 999)).isEqualTo(NonceCache.Result.REPLAYED);
        assertThat(cache.remember("AK2", "n", 999)).isEqualTo(NonceCache.Result.NEW);
        assertThat(cache.remember("AK", "n", 1000)).isEqualTo(NonceCache.Result.NEW);
    }

    @Test
    void remember_full_refusesUntilEntriesExpire() {
        NonceCache cache = new NonceCache(1000, 2);
        cache.remember("AK", "a", 0);
        cache.remember("AK", "b", 10);

        assertThat(cache.remember("AK", "c", 20)).isEqualTo(NonceCache.Result.FULL);
        assertThat(cache.remember("AK", "c", 1000)).isEqualTo(NonceCache.Result.NEW);
        assertThat(cache.size()).isEqualTo(2);
    }

    @Test
    void remember_oneKeyFloods_otherKeysUnaffected() {
        NonceCache cache = new NonceCache(1000, 2);
        assertThat(cache.remember("AK_VICTIM", "v1", 0)).isEqualTo(NonceCache.Result.NEW);
        for (int i = 0; i < 10; i++) {
            cache.remember("AK_FLOOD", "f" + i, 1);
        }
        assertThat(cache.remember("AK_FLOOD", "f-more", 2)).isEqualTo(NonceCache.Result.FULL);
        assertThat(cache.remember("AK_VICTIM", "v2", 2)).isEqualTo(NonceCache.Result.NEW);
        assertThat(cache.remember("AK_VICTIM", "v1", 3)).as("not evicted by the flood")
                .isEqualTo(NonceCache.Result.REPLAYED);
    }
}
