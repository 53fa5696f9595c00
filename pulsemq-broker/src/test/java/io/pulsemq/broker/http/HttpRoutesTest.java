package io.pulsemq.broker.http;

import io.pulsemq.broker.http.HttpRoutes.Resolution;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class HttpRoutesTest {

    private static final RouteHandler OK = RouteHandler.of(r -> HttpResponse.json(200, Map.of()));

    @Test
    void resolve_parameterSegment_capturesValue() {
        HttpRoutes.Router router = new HttpRoutes().get("/api/v1/clients/{clientId}/trace", OK).snapshot();

        Resolution r = router.resolve("GET", List.of("api", "v1", "clients", "GID_a@@@d1", "trace"));

        assertThat(r).isInstanceOfSatisfying(Resolution.Found.class,
                found -> assertThat(found.pathParams()).containsExactly(Map.entry("clientId", "GID_a@@@d1")));
    }

    @Test
    void resolve_literalAndParameterRoutes_literalWinsForItsMethod() {
        HttpRoutes.Router router = new HttpRoutes()
                .get("/clients/{clientId}", OK)
                .post("/clients/status", OK)
                .snapshot();

        Resolution post = router.resolve("POST", List.of("clients", "status"));
        Resolution get = router.resolve("GET", List.of("clients", "status"));

        assertThat(post).isInstanceOfSatisfying(Resolution.Found.class,
                f -> assertThat(f.route().pattern()).hasToString("/clients/status"));
        assertThat(get).isInstanceOfSatisfying(Resolution.Found.class,
                f -> assertThat(f.pathParams()).containsEntry("clientId", "status"));
    }

    @Test
    void resolve_otherMethodOnly_isMethodNotAllowedListingMethods() {
        HttpRoutes.Router router = new HttpRoutes().get("/groups", OK).delete("/groups", OK).snapshot();

        assertThat(router.resolve("POST", List.of("groups")))
                .isEqualTo(new Resolution.MethodNotAllowed(List.of("DELETE", "GET", "HEAD")));
    }

    @Test
    void resolve_headRequest_usesGetRoute() {
        HttpRoutes.Router router = new HttpRoutes().get("/groups", OK).snapshot();

        assertThat(router.resolve("HEAD", List.of("groups"))).isInstanceOf(Resolution.Found.class);
    }

    @Test
    void resolve_unknownPath_isNotFound() {
        HttpRoutes.Router router = new HttpRoutes().get("/groups/{groupId}", OK).snapshot();

        assertThat(router.resolve("GET", List.of("groups"))).isInstanceOf(Resolution.NotFound.class);
        assertThat(router.resolve("GET", List.of("groups", ""))).isInstanceOf(Resolution.NotFound.class);
        assertThat(router.resolve("GET", List.of("groups", "a", "b"))).isInstanceOf(Resolution.NotFound.class);
    }

    @Test
    void add_sameMethodAndShape_isRejected() {
        HttpRoutes routes = new HttpRoutes().get("/clients/{id}", OK);

        assertThatThrownBy(() -> routes.get("/clients/{clientId}", OK))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("clashes");
    }

    @Test
    void add_malformedPatterns_areRejected() {
        HttpRoutes routes = new HttpRoutes();

        assertThatThrownBy(() -> routes.get("health", OK)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> routes.get("/a//b", OK)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> routes.get("/a/{b", OK)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> routes.get("/a/{b}/{b}", OK)).isInstanceOf(IllegalArgumentException.class);
    }
}
