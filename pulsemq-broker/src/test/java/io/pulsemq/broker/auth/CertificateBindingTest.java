package io.pulsemq.broker.auth;

import io.pulsemq.broker.config.TlsConfig;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class CertificateBindingTest {

    private static final TlsConfig BOUND = TlsConfig.none().withBindClientId(true);
    private static final ClientCertificate DEVICE = new ClientCertificate("1f", "GID_car@@@vin1", List.of());
    private static final ClientCertificate GROUP = new ClientCertificate("2e", "GID_car", List.of());
    private static final ClientCertificate SAN = new ClientCertificate("3d", "device 7",
            List.of("example.com", "GID_truck@@@t7"));

    @Test
    void refusal_cnIsTheClientId_none() {
        assertThat(CertificateBinding.refusal(BOUND, DEVICE, "GID_car@@@vin1")).isEmpty();
    }

    @Test
    void refusal_cnIsTheGroup_noneForEveryDeviceOfIt() {
        assertThat(CertificateBinding.refusal(BOUND, GROUP, "GID_car@@@vin1")).isEmpty();
        assertThat(CertificateBinding.refusal(BOUND, GROUP, "GID_car@@@vin2")).isEmpty();
    }

    @Test
    void refusal_aDnsNameIsTheClientId_none() {
        assertThat(CertificateBinding.refusal(BOUND, SAN, "GID_truck@@@t7")).isEmpty();
    }

    @Test
    void refusal_anotherDeviceOrGroup_namesTheCertificateAndTheClientId() {
        assertThat(CertificateBinding.refusal(BOUND, DEVICE, "GID_car@@@vin2")).hasValueSatisfying(detail ->
                assertThat(detail).contains("GID_car@@@vin1").contains("1f").contains("GID_car@@@vin2"));
        assertThat(CertificateBinding.refusal(BOUND, GROUP, "GID_carx@@@vin1")).isPresent();
        assertThat(CertificateBinding.refusal(BOUND, SAN, "GID_truck@@@t8")).isPresent();
    }

    @Test
    void refusal_aDeviceCertificateIsNotItsWholeGroup() {
        assertThat(CertificateBinding.refusal(BOUND, DEVICE, "GID_car")).isPresent();
    }

    @Test
    void refusal_clientIdWithoutGroup_onlyAnExactName() {
        ClientCertificate plain = new ClientCertificate("4c", "sensor-1", List.of());
        assertThat(CertificateBinding.refusal(BOUND, plain, "sensor-1")).isEmpty();
        assertThat(CertificateBinding.refusal(BOUND, plain, "sensor-2")).isPresent();
        assertThat(CertificateBinding.refusal(BOUND, new ClientCertificate("5b", "", List.of()), "sensor-2"))
                .as("an empty CN is not the empty group of an ID without @@@").isPresent();
    }

    @Test
    void refusal_noCertificate_none() {
        assertThat(CertificateBinding.refusal(BOUND, null, "GID_car@@@vin2")).isEmpty();
    }

    @Test
    void refusal_bindingOff_none() {
        assertThat(CertificateBinding.refusal(TlsConfig.none(), DEVICE, "GID_car@@@vin2")).isEmpty();
    }
}
