package io.nlistream.trainer.onnx;

/** The ONNX variants a bundle can carry; names and files as in the bundle manifest. */
public enum Precision {
    /** The reference export: everything float32. */
    FP32("fp32", "model.onnx"),
    /** For GPUs: weights and MatMuls in float16; LayerNorm, softmax, GELU and the embeddings sum stay float32. */
    FP16("fp16", "model.fp16.onnx"),
    /** For CPUs: MatMul weights quantised to int8 per output column, activations quantised per call (dynamic). */
    INT8("int8", "model.int8.onnx");

    private final String id;
    private final String fileName;

    Precision(String id, String fileName) {
        this.id = id;
        this.fileName = fileName;
    }

    public String id() {
        return id;
    }

    public String fileName() {
        return fileName;
    }
}
