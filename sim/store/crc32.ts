// CRC-32 (IEEE 802.3, the zip/PNG polynomial). It detects torn and damaged frames, not tampering:
// the data folder is trusted, the disk and the power supply are not.
// Node has a native crc32 since 20.15 / 22.2; older runtimes fall back to a table in JavaScript.

import * as zlib from "node:zlib"

type Crc32 = (data: Uint8Array, value?: number) => number

const native = (zlib as { crc32?: Crc32 }).crc32

let table: Uint32Array | undefined

function tableCrc32(data: Uint8Array, value = 0): number {
    if (!table) {
        table = new Uint32Array(256)
        for (let n = 0; n < 256; n++) {
            let c = n
            for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
            table[n] = c >>> 0
        }
    }
    let c = ~value >>> 0
    for (let i = 0; i < data.length; i++) c = table[(c ^ data[i]) & 0xff] ^ (c >>> 8)
    return ~c >>> 0
}

/** CRC-32 of data, continuing from `value` (the CRC of what came before) when given. */
export const crc32: Crc32 = native ? (data, value) => native(data, value ?? 0) >>> 0 : tableCrc32

/** The JavaScript table version, exported so tests can check it against the native one. */
export const crc32Portable: Crc32 = tableCrc32
