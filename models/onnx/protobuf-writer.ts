// The few protobuf wire types an ONNX file needs, written by hand so that making the models needs no protobuf
// package and no .proto compiler. Fields are written in the order the caller gives, so equal input gives equal bytes.

/** A message under construction: a list of byte chunks, joined once at the end. */
export class ProtoWriter {
  readonly #chunks: Uint8Array[] = []
  #length = 0

  get length(): number {
    return this.#length
  }

  /** Varint field (wire type 0): int32, int64 and enum values. Negative values are written as 10-byte varints. */
  varint(field: number, value: number): this {
    this.#tag(field, 0)
    this.#rawVarint(value)
    return this
  }

  /** Length-delimited field (wire type 2): bytes, an embedded message or a packed repeated field. */
  bytes(field: number, value: Uint8Array): this {
    this.#tag(field, 2)
    this.#rawVarint(value.byteLength)
    this.#push(value)
    return this
  }

  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value))
  }

  message(field: number, value: ProtoWriter): this {
    return this.bytes(field, value.finish())
  }

  /** A 32-bit float field (wire type 5), little-endian. */
  float(field: number, value: number): this {
    this.#tag(field, 5)
    const out = new Uint8Array(4)
    new DataView(out.buffer).setFloat32(0, value, true)
    this.#push(out)
    return this
  }

  /** Repeated int64 as one packed field. */
  packedVarints(field: number, values: readonly number[]): this {
    const inner = new ProtoWriter()
    for (const value of values) inner.#rawVarint(value)
    return this.bytes(field, inner.finish())
  }

  /** Repeated float as one packed field. */
  packedFloats(field: number, values: readonly number[]): this {
    const out = new Uint8Array(values.length * 4)
    const view = new DataView(out.buffer)
    values.forEach((value, i) => view.setFloat32(i * 4, value, true))
    return this.bytes(field, out)
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.#length)
    let at = 0
    for (const chunk of this.#chunks) {
      out.set(chunk, at)
      at += chunk.byteLength
    }
    return out
  }

  #tag(field: number, wireType: number): void {
    this.#rawVarint(field * 8 + wireType)
  }

  #rawVarint(value: number): void {
    if (!Number.isSafeInteger(value)) throw new RangeError(`varint ${value} is not a safe integer`)
    let v = BigInt.asUintN(64, BigInt(value))
    const bytes: number[] = []
    do {
      const low = Number(v & 0x7fn)
      v >>= 7n
      bytes.push(v > 0n ? low | 0x80 : low)
    } while (v > 0n)
    this.#push(Uint8Array.from(bytes))
  }

  #push(chunk: Uint8Array): void {
    this.#chunks.push(chunk)
    this.#length += chunk.byteLength
  }
}
