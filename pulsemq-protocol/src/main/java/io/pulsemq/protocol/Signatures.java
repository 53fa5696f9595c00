package io.pulsemq.protocol;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;

/**
 * ApsaraMQ-compatible signing: {@code Base64(HmacSHA1(key, data))}, and a constant-time comparison
 * for checking credentials.
 */
public final class Signatures {

    private static final String HMAC_SHA1 = "HmacSHA1";

    private Signatures() {
    }

    /** {@code Base64(HmacSHA1(key = secret, data))}, both as UTF-8. */
    public static String hmacSha1Base64(String secret, String data) {
        return Base64.getEncoder().encodeToString(hmacSha1(secret.getBytes(StandardCharsets.UTF_8),
                data.getBytes(StandardCharsets.UTF_8)));
    }

    /** Raw HmacSHA1. */
    public static byte[] hmacSha1(byte[] key, byte[] data) {
        try {
            Mac mac = Mac.getInstance(HMAC_SHA1);
            mac.init(new SecretKeySpec(key, HMAC_SHA1));
            return mac.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA1 is not available in this JVM", e);
        }
    }

    /**
     * Compares two secrets in time that depends only on their lengths, never on where they differ.
     * A null on either side never matches.
     */
    public static boolean constantTimeEquals(byte[] expected, byte[] actual) {
        if (expected == null || actual == null) {
            return false;
        }
        return MessageDigest.isEqual(expected, actual);
    }

    /** {@link #constantTimeEquals(byte[], byte[])} on the UTF-8 bytes of two strings. */
    public static boolean constantTimeEquals(String expected, String actual) {
        if (expected == null || actual == null) {
            return false;
        }
        return constantTimeEquals(expected.getBytes(StandardCharsets.UTF_8), actual.getBytes(StandardCharsets.UTF_8));
    }
}
