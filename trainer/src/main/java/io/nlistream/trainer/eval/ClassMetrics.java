package io.nlistream.trainer.eval;

/** One row of the per-class report (sklearn's classification_report). */
public record ClassMetrics(String label, double precision, double recall, double f1, long support) {}
