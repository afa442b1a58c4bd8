package io.nlistream.trainer.onnx;

import java.util.Arrays;

/** A float32 tensor in row-major order: the exporter's weights, whatever their dtype on disk. */
public record Tensor(long[] shape, float[] data) {
    public Tensor {
        long n = Arrays.stream(shape).reduce(1, Math::multiplyExact);
        if (n != data.length) {
            throw new IllegalArgumentException(
                    "shape " + Arrays.toString(shape) + " needs " + n + " values, got " + data.length);
        }
    }

    public int dim(int i) {
        return (int) shape[i < 0 ? shape.length + i : i];
    }

    /** A 2-D [rows, cols] weight transposed to [cols, rows] (nn.Linear stores [out, in]; MatMul wants [in, out]). */
    public Tensor transpose2d() {
        int rows = dim(0);
        int cols = dim(1);
        float[] t = new float[data.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                t[c * rows + r] = data[r * cols + c];
            }
        }
        return new Tensor(new long[] {cols, rows}, t);
    }

    /** Rows [from, to) of the first axis. */
    public Tensor rows(int from, int to) {
        int width = data.length / dim(0);
        long[] s = shape.clone();
        s[0] = to - from;
        return new Tensor(s, Arrays.copyOfRange(data, from * width, to * width));
    }
}
