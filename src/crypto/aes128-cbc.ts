// AES-128-CBC without padding (EAP-AKA AT_ENCR_DATA: RFC 4187 section 10.12 pads inside the
// plaintext with AT_PADDING, so the data is always a whole number of blocks).

import { Aes128Key, aes128DecryptBlock, aes128EncryptBlock } from "./aes128"

/**
 * Largest CBC input: 32 blocks. EAP-AKA's AT_ENCR_DATA carries a pseudonym, a re-authentication
 * identity, a counter and a nonce: about 150 bytes in practice.
 */
export const MAX_CBC_BYTES = 512
/**
 * Largest input decrypted in one call without yielding. An encrypted block is about 2K VM steps;
 * a decrypted one about 4K (decryption computes InvMixColumns instead of holding a table), so
 * 32 blocks would not fit the VM's 128K-step slice: longer data goes through aes128CbcDecryptAsync.
 */
export const MAX_CBC_SYNC_DECRYPT_BYTES = 256
/** Blocks decrypted between two yields in aes128CbcDecryptAsync. */
const DECRYPT_BLOCKS_PER_SLICE = 16

function check(iv: Buffer, data: Buffer): void {
    if (iv.length !== 16) throw new RangeError("CBC IV must be 16 bytes")
    if (data.length % 16 !== 0) throw new RangeError("CBC data must be a multiple of 16 bytes")
    if (data.length > MAX_CBC_BYTES) throw new RangeError("CBC data over " + MAX_CBC_BYTES + " bytes")
}

export function aes128CbcEncrypt(key: Aes128Key, iv: Buffer, plaintext: Buffer): Buffer {
    check(iv, plaintext)
    const out = Buffer.alloc(plaintext.length)
    let prev = iv
    let prevOff = 0
    for (let o = 0; o < plaintext.length; o += 16) {
        for (let i = 0; i < 16; i++) out[o + i] = plaintext[o + i] ^ prev[prevOff + i]
        aes128EncryptBlock(key, out, o, out, o)
        prev = out
        prevOff = o
    }
    return out
}

function decryptBlocks(key: Aes128Key, iv: Buffer, ciphertext: Buffer, out: Buffer, from: number, to: number): void {
    for (let o = from; o < to; o += 16) {
        aes128DecryptBlock(key, ciphertext, o, out, o)
        const prev = o === 0 ? iv : ciphertext
        const prevOff = o === 0 ? 0 : o - 16
        for (let i = 0; i < 16; i++) out[o + i] ^= prev[prevOff + i]
    }
}

export function aes128CbcDecrypt(key: Aes128Key, iv: Buffer, ciphertext: Buffer): Buffer {
    check(iv, ciphertext)
    if (ciphertext.length > MAX_CBC_SYNC_DECRYPT_BYTES) throw new RangeError("CBC data over " + MAX_CBC_SYNC_DECRYPT_BYTES + " bytes: use aes128CbcDecryptAsync")
    const out = Buffer.alloc(ciphertext.length)
    decryptBlocks(key, iv, ciphertext, out, 0, ciphertext.length)
    return out
}

/** Up to MAX_CBC_BYTES, yielding between runs of blocks so the VM's slice limit is never hit. */
export async function aes128CbcDecryptAsync(key: Aes128Key, iv: Buffer, ciphertext: Buffer, yieldSlice: () => Promise<void>): Promise<Buffer> {
    check(iv, ciphertext)
    const out = Buffer.alloc(ciphertext.length)
    const step = 16 * DECRYPT_BLOCKS_PER_SLICE
    for (let from = 0; from < ciphertext.length; from += step) {
        if (from > 0) await yieldSlice()
        decryptBlocks(key, iv, ciphertext, out, from, Math.min(from + step, ciphertext.length))
    }
    return out
}
