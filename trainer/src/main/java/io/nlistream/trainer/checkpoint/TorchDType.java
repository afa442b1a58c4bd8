package io.nlistream.trainer.checkpoint;

import ai.djl.ndarray.types.DataType;
import java.util.Locale;

/**
 * The element types a {@code pytorch_model.bin} storage can hold, named both ways torch pickles them: as a legacy
 * storage class ({@code torch.FloatStorage}) and as a dtype ({@code torch.float32}). Half precisions become
 * float32 in Java because DJL's PyTorch engine crashes on BF16 and the trainer computes in fp32 anyway.
 */
enum TorchDType {
    FLOAT32("FloatStorage", "float32", 4, DataType.FLOAT32),
    FLOAT64("DoubleStorage", "float64", 8, DataType.FLOAT64),
    FLOAT16("HalfStorage", "float16", 2, DataType.FLOAT32),
    BFLOAT16("BFloat16Storage", "bfloat16", 2, DataType.FLOAT32),
    INT64("LongStorage", "int64", 8, DataType.INT64),
    INT32("IntStorage", "int32", 4, DataType.INT32),
    INT16("ShortStorage", "int16", 2, DataType.INT32),
    INT8("CharStorage", "int8", 1, DataType.INT8),
    UINT8("ByteStorage", "uint8", 1, DataType.UINT8),
    BOOL("BoolStorage", "bool", 1, DataType.BOOLEAN);

    final String storageClass;
    final String dtypeName;
    final int elementSize;
    /** What the NDArray holds: F16/BF16 widen to F32, int16 to int32 (DJL's older releases lack INT16). */
    final DataType target;

    TorchDType(String storageClass, String dtypeName, int elementSize, DataType target) {
        this.storageClass = storageClass;
        this.dtypeName = dtypeName;
        this.elementSize = elementSize;
        this.target = target;
    }

    static TorchDType ofStorageClass(String name) {
        for (TorchDType t : values()) {
            if (t.storageClass.equals(name)) {
                return t;
            }
        }
        return null;
    }

    static TorchDType ofDTypeName(String name) {
        for (TorchDType t : values()) {
            if (t.dtypeName.equals(name)) {
                return t;
            }
        }
        return null;
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
