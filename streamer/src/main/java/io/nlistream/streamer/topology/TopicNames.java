package io.nlistream.streamer.topology;

/** The topics the topology reads and writes ({@code nli.topics.*}). */
public record TopicNames(String pairs, String classifications, String deadLetters) {}
