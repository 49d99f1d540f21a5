/**
 * A minimal ONNX model writer (protobuf wire format by hand) for single-operator graphs, so the
 * benchmark can run onnxruntime-web on exactly the shapes our kernels run, with no model files.
 */

/** ONNX TensorProto element types used here. */
export const ONNX_FLOAT = 1;
export const ONNX_INT32 = 6;

class ProtoWriter {
  private readonly bytes: number[] = [];

  varint(field: number, value: number): this {
    this.key(field, 0);
    this.rawVarint(value);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytesField(field, new TextEncoder().encode(value));
  }

  message(field: number, inner: ProtoWriter): this {
    return this.bytesField(field, inner.finish());
  }

  bytesField(field: number, data: Uint8Array): this {
    this.key(field, 2);
    this.rawVarint(data.length);
    for (const b of data) this.bytes.push(b);
    return this;
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }

  private key(field: number, wire: number): void {
    this.rawVarint(field * 8 + wire);
  }

  private rawVarint(value: number): void {
    let v = value;
    while (v >= 0x80) {
      this.bytes.push((v % 0x80) | 0x80);
      v = Math.floor(v / 0x80);
    }
    this.bytes.push(v);
  }
}

/** A graph input or output: name, element type and static shape. */
export interface OnnxValue {
  readonly name: string;
  readonly elemType: number;
  readonly shape: readonly number[];
}

/** A constant tensor baked into the model (float data). */
export interface OnnxInitializer {
  readonly name: string;
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

function valueInfo(v: OnnxValue): ProtoWriter {
  const shape = new ProtoWriter();
  for (const d of v.shape) shape.message(1, new ProtoWriter().varint(1, d));
  const tensorType = new ProtoWriter().varint(1, v.elemType).message(2, shape);
  return new ProtoWriter().string(1, v.name).message(2, new ProtoWriter().message(1, tensorType));
}

function initializer(t: OnnxInitializer): ProtoWriter {
  const w = new ProtoWriter();
  for (const d of t.shape) w.varint(1, d);
  w.varint(2, ONNX_FLOAT).string(8, t.name);
  return w.bytesField(9, new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
}

/** Serialises a one-node model: op(nodeInputs in that order) -> outputs. */
export function singleOpModel(op: string, nodeInputs: readonly string[], inputs: readonly OnnxValue[], initializers: readonly OnnxInitializer[], outputs: readonly OnnxValue[]): Uint8Array {
  const node = new ProtoWriter();
  for (const name of nodeInputs) node.string(1, name);
  for (const v of outputs) node.string(2, v.name);
  node.string(3, `${op}_0`).string(4, op);
  const graph = new ProtoWriter().message(1, node).string(2, 'g');
  for (const t of initializers) graph.message(5, initializer(t));
  for (const v of inputs) graph.message(11, valueInfo(v));
  for (const v of outputs) graph.message(12, valueInfo(v));
  return new ProtoWriter()
    .varint(1, 8) // ir_version 8
    .message(8, new ProtoWriter().string(1, '').varint(2, 13)) // opset 13
    .message(7, graph)
    .finish();
}
