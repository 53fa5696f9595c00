package io.pulsemq.broker.api;

import org.junit.jupiter.api.Test;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

class RpcSignatureTest {

    /** The request of Alibaba Cloud's RPC signature documentation (DescribeRegions, key testid/testsecret). */
    private static Map<String, String> documentedRequest() {
        Map<String, String> p = new TreeMap<>();
        p.put("Timestamp", "2016-02-23T12:46:24Z");
        p.put("Format", "XML");
        p.put("AccessKeyId", "testid");
        p.put("Action", "DescribeRegions");
        p.put("SignatureMethod", "HMAC-SHA1");
        p.put("SignatureNonce", "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf");
        p.put("Version", "2014-05-26");
        p.put("SignatureVersion", "1.0");
        return p;
    }

    private static final String DOCUMENTED_STRING_TO_SIGN = "GET&%2F&AccessKeyId%3Dtestid%26Action%3DDescribeRegions"
            + "%26Format%3DXML%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf"
            + "%26SignatureVersion%3D1.0%26Timestamp%3D2016-02-23T12%253A46%253A24Z%26Version%3D2014-05-26";

    @Test
    void stringToSign_documentedRequest_matchesDocumentation() {
        assertThat(RpcSignature.stringToSign("GET", documentedRequest())).isEqualTo(DOCUMENTED_STRING_TO_SIGN);
    }

    @Test
    void sign_documentedRequest_isHmacSha1OfStringToSign_withSecretAmpersand() throws Exception {
        Mac mac = Mac.getInstance("HmacSHA1");
        mac.init(new SecretKeySpec("testsecret&".getBytes(StandardCharsets.UTF_8), "HmacSHA1"));
        String expected = Base64.getEncoder().encodeToString(mac.doFinal(DOCUMENTED_STRING_TO_SIGN.getBytes(StandardCharsets.UTF_8)));

        assertThat(RpcSignature.sign("GET", documentedRequest(), "testsecret")).isEqualTo(expected)
                .isEqualTo("OLeaidS1JvxuMvnyHOwuJ+uX5qY=");
    }

    @Test
    void verify_rightSecret_passes_wrongSecretOrChangedParameter_fails() {
        Map<String, String> p = documentedRequest();
        p.put("Signature", RpcSignature.sign("GET", p, "testsecret"));

        assertThat(RpcSignature.verify("GET", p, "testsecret")).isTrue();
        assertThat(RpcSignature.verify("GET", p, "othersecret")).isFalse();
        assertThat(RpcSignature.verify("POST", p, "testsecret")).isFalse();
        p.put("Action", "DescribeZones");
        assertThat(RpcSignature.verify("GET", p, "testsecret")).isFalse();
    }

    @Test
    void percentEncode_followsRfc3986() {
        assertThat(RpcSignature.percentEncode("a b*c~d/e+f=g&h")).isEqualTo("a%20b%2Ac~d%2Fe%2Bf%3Dg%26h");
        assertThat(RpcSignature.percentEncode("GID_car@@@v1-._")).isEqualTo("GID_car%40%40%40v1-._");
        assertThat(RpcSignature.percentEncode("é")).isEqualTo("%C3%A9");
    }
}
