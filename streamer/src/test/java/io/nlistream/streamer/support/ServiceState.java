package io.nlistream.streamer.support;

import static io.restassured.RestAssured.given;

/** What a running streamer (a @QuarkusTest app) reports about itself: the model it serves and its counters. */
public final class ServiceState {
    private ServiceState() {}

    /** The bundle version readiness reports as served. */
    public static String servedVersion() {
        return given().when()
                .get("/q/health/ready")
                .then()
                .extract()
                .path("checks.find { it.name == 'nli-model' }.data.version");
    }

    /** The sum of {@code metric}'s series whose {@code label} is {@code value}, as /q/metrics shows them. */
    public static double counted(String metric, String label, String value) {
        String metrics = given().when()
                .get("/q/metrics")
                .then()
                .statusCode(200)
                .extract()
                .asString();
        String filter = label + "=\"" + value + "\"";
        return metrics.lines()
                .filter(l -> l.startsWith(metric) && l.contains(filter))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                .sum();
    }
}
