// AES-128-CBC without padding (EAP-AKA AT_ENCR_DATA: RFC 4187 section 10.12 pads inside the
// plaintext with AT_PADDING, so the data is always a whole number of blocks).

import { Aes128Key, aes128DecryptBlock, aes128EncryptBlock } from "./aes128"

/**
 * Largest CBC input per call: 32 blocks stay well inside one VM slice (an encrypted block is about
 * 1.7K VM steps, a decrypted one about 2K; the slice is 128K). EAP-AKA's AT_ENCR_DATA carries a
 * pseudonym, a re-authentication identity, a counter and a nonce: about 150 bytes in practice.
 */
export const MAX_CBC_BYTES = 512

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

export function aes128CbcDecrypt(key: Aes128Key, iv: Buffer, ciphertext: Buffer): Buffer {
    check(iv, ciphertext)
    const out = Buffer.alloc(ciphertext.length)
    for (let o = 0; o < ciphertext.length; o += 16) {
        aes128DecryptBlock(key, ciphertext, o, out, o)
        const prev = o === 0 ? iv : ciphertext
        const prevOff = o === 0 ? 0 : o - 16
        for (let i = 0; i < 16; i++) out[o + i] ^= prev[prevOff + i]
    }
    return out
}
