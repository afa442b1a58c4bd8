package io.nlistream.schemas.event;

/** Which bundle produced a classification: its manifest name and version and the sha256 of its fp32 ONNX file. */
public record ModelRef(String name, String version, String sha256) {}
