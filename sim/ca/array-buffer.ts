// The ASN.1 schema classes hold ArrayBuffers; Node's Buffers may be views into a larger pool.
// These copy exactly the bytes meant, in each direction.

/** A fresh ArrayBuffer holding the bytes of `b`. */
export function arrayBuffer(b: Uint8Array): ArrayBuffer {
    return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer
}

/** A Buffer over the bytes of an ArrayBuffer (or a copy of a view). */
export function bytes(b: ArrayBuffer | Uint8Array): Buffer {
    return b instanceof Uint8Array ? Buffer.from(b.buffer, b.byteOffset, b.byteLength) : Buffer.from(b)
}
