package io.nlistream.streamer.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class PromQlTest {

    @Test
    void keepsMetricNamesAndDropsFunctionsLabelsRangesAndKeywords() {
        assertThat(PromQl.metricNames("histogram_quantile(0.99, sum by (le) (rate(nli_queue_seconds_bucket"
                        + "{job=~\"$job\", instance=~\"${instance}\", le!=\"foo_bar\"}[$__rate_interval])))"))
                .containsExactly("nli_queue_seconds_bucket");
        assertThat(PromQl.metricNames("sum(rate(a_sum[5m] offset 1h)) / on (instance) group_left (version)"
                        + " sum(rate(a_count[5m])) > bool 0.5e3 or vector(0) unless b:recorded"))
                .containsExactly("a_sum", "a_count", "b:recorded");
        assertThat(PromQl.metricNames("sum without (pod) (nli_model_info) * 1")).containsExactly("nli_model_info");
        assertThat(PromQl.metricNames("max_over_time(x_total[1h:5m]) and  sum (y)"))
                .containsExactly("x_total", "y");
    }

    @Test
    void variableQueriesReadTheSelectorOfLabelValues() {
        assertThat(PromQl.variableMetricNames("label_values(nli_model_info{job=~\"$job\"}, instance)"))
                .containsExactly("nli_model_info");
        assertThat(PromQl.variableMetricNames("label_values(job)")).isEmpty();
        assertThat(PromQl.variableMetricNames("query_result(up)")).containsExactly("up");
    }

    @Test
    void refusesSelectionsByName() {
        assertThatThrownBy(() -> PromQl.metricNames("{__name__=~\"nli_.*\"}")).hasMessageContaining("__name__");
    }

    @Test
    void selectorsKeepTheirLiteralLabelFiltersAndMatchExportedLabels() {
        Exposition e = Exposition.parse("""
                # TYPE lag gauge
                lag{client_id="app-StreamThread-1-consumer",note="a \\"quoted\\", b"} 0.0
                lag{client_id="kafka-consumer-control"} 0.0
                """);
        Selector streams = Selector.in("max(lag{job=~\"$job\", client_id=~\".+-StreamThread-[0-9]+-consumer\"})")
                .get(0);
        Selector misspelt =
                Selector.in("lag{client_id=\"app-StreamThreads-1-consumer\"}").get(0);

        assertThat(streams.metric()).isEqualTo("lag");
        assertThat(streams.matchers()).as("the $job matcher is Grafana's").hasSize(1);
        assertThat(e.problemWith(streams)).isEmpty();
        assertThat(e.problemWith(misspelt))
                .hasValueSatisfying(p -> assertThat(p).startsWith("no series of lag matches"));
        assertThat(e.series().get("lag").get(0)).containsEntry("note", "a \"quoted\", b");
    }

    @Test
    void expositionTellsHistogramBucketsFromOtherSeries() {
        Exposition e = Exposition.parse("""
                # TYPE nli_queue_seconds histogram
                nli_queue_seconds_bucket{le="0.001"} 1
                nli_queue_seconds_count 1
                # TYPE nli_events_in_total counter
                nli_events_in_total 3.0
                # TYPE fake summary
                fake_bucket 1
                """);

        assertThat(e.problemWith("nli_queue_seconds_bucket")).isEmpty();
        assertThat(e.problemWith("nli_events_in_total")).isEmpty();
        assertThat(e.problemWith("nli_queue_seconds"))
                .hasValueSatisfying(p -> assertThat(p).contains("not exported"));
        assertThat(e.problemWith("fake_bucket"))
                .hasValueSatisfying(p -> assertThat(p).contains("not the bucket series of a histogram"));
    }
}
