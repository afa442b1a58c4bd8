package io.nlistream.trainer.checkpoint;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A pickle interpreter that only understands what {@code torch.save} writes for a state dict: plain containers,
 * numbers, strings, storages (persistent ids) and the tensor-rebuild functions. Every other global is refused
 * before anything happens, so a hostile {@code pytorch_model.bin} cannot make this reader do more than build
 * maps of tensors. Python values become: {@code null}, Boolean, Long/BigInteger, Double, String, byte[],
 * List (lists and tuples), LinkedHashMap (dicts), {@link Storage} and {@link Tensor}.
 */
final class RestrictedUnpickler {

    /** A storage as a persistent id names it: which zip record (or legacy key) holds its bytes. */
    record Storage(String key, TorchDType dtype, long numel) {}

    /** A tensor view: elements {@code offset + sum(index[i] * stride[i])} of its storage, read as {@code dtype}. */
    record Tensor(Storage storage, long offset, long[] shape, long[] stride, TorchDType dtype) {}

    /** Turns a persistent id (the tuple torch.save writes for a storage) into a {@link Storage}. */
    interface PersistentLoader {
        Storage load(List<Object> pid) throws IOException;
    }

    private enum Callable {
        ORDERED_DICT,
        REBUILD_TENSOR,
        REBUILD_TENSOR_V2,
        REBUILD_TENSOR_V3,
        REBUILD_PARAMETER,
        REBUILD_PARAMETER_WITH_STATE
    }

    /** A storage class or dtype named by a GLOBAL: a value, never called. */
    private record TypeRef(String name, TorchDType dtype) {}

    private static final Map<String, Object> ALLOWED_GLOBALS = allowedGlobals();
    private static final Object MARK = new Object();

    private final InputStream in;
    private final PersistentLoader persistentLoader;
    private final ArrayList<Object> stack = new ArrayList<>();
    private final Deque<Integer> marks = new ArrayDeque<>();
    private final Map<Long, Object> memo = new HashMap<>();
    private long position;

    RestrictedUnpickler(InputStream in, PersistentLoader persistentLoader) {
        this.in = in;
        this.persistentLoader = persistentLoader;
    }

    /** Reads one pickle, up to and including its STOP opcode; the stream is left just after it. */
    Object load() throws IOException {
        stack.clear();
        marks.clear();
        memo.clear();
        while (true) {
            long at = position;
            int op = readByte();
            switch (op) {
                case 0x80 -> { // PROTO
                    int proto = readByte();
                    if (proto > 5) {
                        throw error(at, "pickle protocol " + proto + " is newer than any torch.save writes");
                    }
                }
                case 0x95 -> readLong8(); // FRAME: a length hint, the opcodes follow inline
                case '.' -> { // STOP
                    Object result = pop(at);
                    if (!stack.isEmpty() || !marks.isEmpty()) {
                        throw error(at, "stack not empty at STOP");
                    }
                    return result;
                }
                case '(' -> { // MARK
                    marks.push(stack.size());
                    stack.add(MARK);
                }
                case '0' -> pop(at); // POP
                case '1' -> popMark(at); // POP_MARK
                case '2' -> push(peek(at)); // DUP
                case 'N' -> push(null);
                case 0x88 -> push(Boolean.TRUE);
                case 0x89 -> push(Boolean.FALSE);
                case 'J' -> push((long) readInt4());
                case 'K' -> push((long) readByte());
                case 'M' -> push((long) (readByte() | (readByte() << 8)));
                case 0x8a -> push(readLong(readByte())); // LONG1
                case 0x8b -> push(readLong(readInt4())); // LONG4
                case 'I' -> push(parseTextInt(readLine(), at)); // INT (protocol 0, also encodes booleans)
                case 'L' -> push(new BigInteger(stripSuffix(readLine(), "L"))); // LONG (protocol 0)
                case 'G' -> push(Double.longBitsToDouble(readBigEndianLong()));
                case 'X' -> push(readUtf8(readInt4())); // BINUNICODE
                case 0x8c -> push(readUtf8(readByte())); // SHORT_BINUNICODE
                case 0x8d -> push(readUtf8(Math.toIntExact(readLong8()))); // BINUNICODE8
                case 'T' -> push(readLatin1(readInt4())); // BINSTRING (Python 2 str)
                case 'U' -> push(readLatin1(readByte())); // SHORT_BINSTRING
                case 'B' -> push(readBytes(readInt4())); // BINBYTES
                case 'C' -> push(readBytes(readByte())); // SHORT_BINBYTES
                case ')' -> push(List.of());
                case 't' -> push(Collections.unmodifiableList(popMark(at)));
                case 0x85 -> push(Collections.singletonList(pop(at)));
                case 0x86 -> push(tupleOfLast(2, at));
                case 0x87 -> push(tupleOfLast(3, at));
                case ']' -> push(new ArrayList<>());
                case 'l' -> push(new ArrayList<>(popMark(at)));
                case 'a' -> {
                    Object value = pop(at);
                    asList(peek(at), at).add(value);
                }
                case 'e' -> {
                    List<Object> items = popMark(at);
                    asList(peek(at), at).addAll(items);
                }
                case '}' -> push(new LinkedHashMap<>());
                case 'd' -> {
                    Map<Object, Object> dict = new LinkedHashMap<>();
                    putAll(dict, popMark(at), at);
                    push(dict);
                }
                case 's' -> {
                    Object value = pop(at);
                    Object key = pop(at);
                    asMap(peek(at), at).put(key, value);
                }
                case 'u' -> {
                    List<Object> items = popMark(at);
                    putAll(asMap(peek(at), at), items, at);
                }
                case 'q' -> memo.put((long) readByte(), peek(at)); // BINPUT
                case 'r' -> memo.put(readInt4() & 0xffffffffL, peek(at)); // LONG_BINPUT
                case 'p' -> memo.put(Long.parseLong(readLine()), peek(at)); // PUT
                case 0x94 -> memo.put((long) memo.size(), peek(at)); // MEMOIZE
                case 'h' -> push(memoGet(readByte(), at)); // BINGET
                case 'j' -> push(memoGet(readInt4() & 0xffffffffL, at)); // LONG_BINGET
                case 'g' -> push(memoGet(Long.parseLong(readLine()), at)); // GET
                case 'c' -> push(global(readLine(), readLine(), at)); // GLOBAL
                case 0x93 -> { // STACK_GLOBAL
                    Object name = pop(at);
                    Object module = pop(at);
                    if (!(module instanceof String m) || !(name instanceof String n)) {
                        throw error(at, "STACK_GLOBAL needs two strings");
                    }
                    push(global(m, n, at));
                }
                case 'Q' -> push(persistentLoad(pop(at), at)); // BINPERSID
                case 'P' -> push(persistentLoad(readLine(), at)); // PERSID
                case 'R' -> { // REDUCE
                    Object args = pop(at);
                    Object function = pop(at);
                    push(call(function, asList(args, at), at));
                }
                case 'b' -> build(pop(at), peek(at), at); // BUILD
                default -> throw error(at, String.format("pickle opcode 0x%02x is not allowed in a state dict", op));
            }
        }
    }

    private Object global(String module, String name, long at) throws IOException {
        Object value = ALLOWED_GLOBALS.get(module + "." + name);
        if (value == null) {
            throw error(
                    at,
                    "refusing global '" + module + "." + name + "': a pytorch_model.bin may only contain"
                            + " tensors and plain containers (allowed: " + allowedSummary()
                            + "). Convert the checkpoint"
                            + " to model.safetensors, or re-save its state_dict with torch.save, if you trust its "
                            + "source.");
        }
        return value;
    }

    private Object call(Object function, List<Object> args, long at) throws IOException {
        if (!(function instanceof Callable callable)) {
            throw error(at, "REDUCE may only call the allowed rebuild functions, not " + describe(function));
        }
        return switch (callable) {
            case ORDERED_DICT -> {
                Map<Object, Object> dict = new LinkedHashMap<>();
                if (!args.isEmpty()) {
                    for (Object pair : asList(args.get(0), at)) {
                        List<Object> kv = asList(pair, at);
                        dict.put(kv.get(0), kv.get(1));
                    }
                }
                yield dict;
            }
            case REBUILD_TENSOR, REBUILD_TENSOR_V2 -> {
                requireArgs(args, callable == Callable.REBUILD_TENSOR ? 4 : 6, at);
                Storage storage = asStorage(args.get(0), at);
                yield tensor(storage, args, storage.dtype(), at);
            }
            case REBUILD_TENSOR_V3 -> {
                requireArgs(args, 7, at);
                if (!(args.get(6) instanceof TypeRef type) || type.dtype() == null) {
                    throw error(at, "_rebuild_tensor_v3 needs a torch dtype, got " + describe(args.get(6)));
                }
                yield tensor(asStorage(args.get(0), at), args, type.dtype(), at);
            }
            case REBUILD_PARAMETER, REBUILD_PARAMETER_WITH_STATE -> {
                requireArgs(args, 3, at);
                if (!(args.get(0) instanceof Tensor t)) {
                    throw error(at, "_rebuild_parameter needs a tensor, got " + describe(args.get(0)));
                }
                yield t;
            }
        };
    }

    private Tensor tensor(Storage storage, List<Object> args, TorchDType dtype, long at) throws IOException {
        long offset = asLong(args.get(1), at);
        long[] shape = longs(args.get(2), at);
        long[] stride = longs(args.get(3), at);
        if (shape.length != stride.length) {
            throw error(at, "tensor has " + shape.length + " dimensions but " + stride.length + " strides");
        }
        return new Tensor(storage, offset, shape, stride, dtype);
    }

    /** BUILD sets instance state: a state dict's {@code _metadata} (layer versions) is all torch puts there. */
    private void build(Object state, Object target, long at) throws IOException {
        if (!(target instanceof Map) && !(target instanceof Tensor)) {
            throw error(at, "BUILD on " + describe(target) + " is not allowed");
        }
    }

    private Storage persistentLoad(Object pid, long at) throws IOException {
        if (!(pid instanceof List<?> tuple) || tuple.isEmpty() || !"storage".equals(tuple.get(0))) {
            throw error(at, "persistent id " + describe(pid) + " is not a torch storage");
        }
        List<Object> resolved = new ArrayList<>(tuple);
        if (resolved.size() > 1 && resolved.get(1) instanceof TypeRef type) {
            resolved.set(1, type.dtype());
        }
        return persistentLoader.load(resolved);
    }

    private static Map<String, Object> allowedGlobals() {
        Map<String, Object> allowed = new HashMap<>();
        allowed.put("collections.OrderedDict", Callable.ORDERED_DICT);
        allowed.put("torch._utils._rebuild_tensor", Callable.REBUILD_TENSOR);
        allowed.put("torch._utils._rebuild_tensor_v2", Callable.REBUILD_TENSOR_V2);
        allowed.put("torch._utils._rebuild_tensor_v3", Callable.REBUILD_TENSOR_V3);
        allowed.put("torch._utils._rebuild_parameter", Callable.REBUILD_PARAMETER);
        allowed.put("torch._utils._rebuild_parameter_with_state", Callable.REBUILD_PARAMETER_WITH_STATE);
        for (TorchDType t : TorchDType.values()) {
            allowed.put("torch." + t.storageClass, new TypeRef(t.storageClass, t));
            allowed.put("torch.cuda." + t.storageClass, new TypeRef(t.storageClass, t));
            allowed.put("torch." + t.dtypeName, new TypeRef(t.dtypeName, t));
        }
        allowed.put("torch.UntypedStorage", new TypeRef("UntypedStorage", TorchDType.UINT8));
        return Collections.unmodifiableMap(allowed);
    }

    private static String allowedSummary() {
        Set<String> names = new TreeSet<>();
        ALLOWED_GLOBALS.forEach((k, v) -> names.add(
                v instanceof Callable
                        ? k
                        : k.startsWith("torch.cuda.")
                                ? "torch.cuda.*Storage"
                                : k.endsWith("Storage") ? "torch.*Storage" : "torch.<dtype>"));
        return String.join(", ", names);
    }

    // ---- stack and value helpers

    private void push(Object value) {
        stack.add(value);
    }

    private Object pop(long at) throws IOException {
        if (stack.isEmpty() || stack.get(stack.size() - 1) == MARK) {
            throw error(at, "stack underflow");
        }
        return stack.remove(stack.size() - 1);
    }

    private Object peek(long at) throws IOException {
        if (stack.isEmpty() || stack.get(stack.size() - 1) == MARK) {
            throw error(at, "stack underflow");
        }
        return stack.get(stack.size() - 1);
    }

    private List<Object> popMark(long at) throws IOException {
        if (marks.isEmpty()) {
            throw error(at, "no MARK on the stack");
        }
        int start = marks.pop();
        List<Object> items = new ArrayList<>(stack.subList(start + 1, stack.size()));
        stack.subList(start, stack.size()).clear();
        return items;
    }

    private List<Object> tupleOfLast(int n, long at) throws IOException {
        Object[] items = new Object[n];
        for (int i = n - 1; i >= 0; i--) {
            items[i] = pop(at);
        }
        return Collections.unmodifiableList(Arrays.asList(items));
    }

    private Object memoGet(long index, long at) throws IOException {
        if (!memo.containsKey(index)) {
            throw error(at, "memo entry " + index + " was never stored");
        }
        return memo.get(index);
    }

    private void putAll(Map<Object, Object> dict, List<Object> items, long at) throws IOException {
        if (items.size() % 2 != 0) {
            throw error(at, "odd number of items for a dict");
        }
        for (int i = 0; i < items.size(); i += 2) {
            dict.put(items.get(i), items.get(i + 1));
        }
    }

    @SuppressWarnings("unchecked")
    private List<Object> asList(Object value, long at) throws IOException {
        if (value instanceof List<?> list) {
            return (List<Object>) list;
        }
        throw error(at, "expected a list or tuple, got " + describe(value));
    }

    @SuppressWarnings("unchecked")
    private Map<Object, Object> asMap(Object value, long at) throws IOException {
        if (value instanceof Map<?, ?> map) {
            return (Map<Object, Object>) map;
        }
        throw error(at, "expected a dict, got " + describe(value));
    }

    private Storage asStorage(Object value, long at) throws IOException {
        if (value instanceof Storage s) {
            return s;
        }
        throw error(at, "expected a storage, got " + describe(value));
    }

    private long asLong(Object value, long at) throws IOException {
        if (value instanceof Long l) {
            return l;
        }
        throw error(at, "expected an integer, got " + describe(value));
    }

    private long[] longs(Object value, long at) throws IOException {
        List<Object> list = asList(value, at);
        long[] out = new long[list.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = asLong(list.get(i), at);
        }
        return out;
    }

    private void requireArgs(List<Object> args, int min, long at) throws IOException {
        if (args.size() < min) {
            throw error(at, "rebuild function called with " + args.size() + " arguments, needs " + min);
        }
    }

    static String describe(Object value) {
        if (value == null) {
            return "None";
        }
        if (value instanceof Callable c) {
            return "function " + c;
        }
        if (value instanceof TypeRef t) {
            return "torch." + t.name();
        }
        return value.getClass().getSimpleName();
    }

    private IOException error(long at, String message) {
        return new IOException("pickle at byte " + at + ": " + message);
    }

    // ---- raw reads

    private int readByte() throws IOException {
        int b = in.read();
        if (b < 0) {
            throw new EOFException("pickle ends at byte " + position + " before its STOP opcode (truncated file?)");
        }
        position++;
        return b;
    }

    private byte[] readBytes(int n) throws IOException {
        if (n < 0) {
            throw error(position, "negative length " + n);
        }
        byte[] bytes = in.readNBytes(n);
        if (bytes.length != n) {
            throw new EOFException("pickle truncated at byte " + (position + bytes.length));
        }
        position += n;
        return bytes;
    }

    private int readInt4() throws IOException {
        return ByteBuffer.wrap(readBytes(4)).order(ByteOrder.LITTLE_ENDIAN).getInt();
    }

    private long readLong8() throws IOException {
        return ByteBuffer.wrap(readBytes(8)).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }

    private long readBigEndianLong() throws IOException {
        return ByteBuffer.wrap(readBytes(8)).order(ByteOrder.BIG_ENDIAN).getLong();
    }

    /** LONG1/LONG4: little-endian two's complement; fits a Long for every tensor dimension or offset. */
    private Object readLong(int n) throws IOException {
        byte[] le = readBytes(n);
        if (n == 0) {
            return 0L;
        }
        byte[] be = new byte[n];
        for (int i = 0; i < n; i++) {
            be[i] = le[n - 1 - i];
        }
        BigInteger value = new BigInteger(be);
        return value.bitLength() < 64 ? (Object) value.longValue() : value;
    }

    private String readLine() throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int b = readByte(); b != '\n'; b = readByte()) {
            sb.append((char) b);
        }
        return sb.toString();
    }

    private String readUtf8(int n) throws IOException {
        return new String(readBytes(n), StandardCharsets.UTF_8);
    }

    private String readLatin1(int n) throws IOException {
        return new String(readBytes(n), StandardCharsets.ISO_8859_1);
    }

    private Object parseTextInt(String text, long at) throws IOException {
        if (text.equals("01")) {
            return Boolean.TRUE;
        }
        if (text.equals("00")) {
            return Boolean.FALSE;
        }
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw error(at, "bad INT literal '" + text + "'");
        }
    }

    private static String stripSuffix(String s, String suffix) {
        return s.endsWith(suffix) ? s.substring(0, s.length() - suffix.length()) : s;
    }
}
