package io.nlistream.trainer.data;

/**
 * One labelled premise/hypothesis pair. {@code label} is the contract index (0 entailment, 1 neutral, 2 contradiction);
 * {@code line} is the 1-based line in the source file, kept so later errors can point back at the data.
 */
public record NliExample(String premise, String hypothesis, int label, long line) {}
