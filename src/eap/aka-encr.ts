// AT_IV / AT_ENCR_DATA (RFC 4187 10.12): attributes encrypted with AES-128-CBC under K_encr,
// padded with AT_PADDING to a whole number of blocks.

import { aes128ExpandKey } from "../crypto/aes128"
import { aes128CbcDecryptAsync, aes128CbcEncrypt, MAX_CBC_BYTES } from "../crypto/aes128-cbc"
import { FormatError } from "../format-error"
import { AkaAttribute, AkaMessage, AT_ENCR_DATA, AT_IV, AT_PADDING, attrReservedData, decodeAttributes, encodeAttributes, ENCRYPTED_ALLOWED } from "./aka-attributes"

/** AT_IV and AT_ENCR_DATA carrying `inner` (a fresh random IV from the caller). */
export function encryptAttributes(kEncr: Buffer, iv: Buffer, inner: AkaAttribute[]): AkaAttribute[] {
    const list: AkaAttribute[] = []
    let n = 0
    for (let i = 0; i < inner.length; i++) {
        list.push(inner[i])
        n += 2 + inner[i].value.length
    }
    // AT_PADDING up to a multiple of 16 bytes (RFC 4187 10.12).
    if (n % 16 !== 0) list.push({ type: AT_PADDING, value: Buffer.alloc(14 - (n % 16)) })
    const plain = encodeAttributes(list, 0).bytes
    if (plain.length > MAX_CBC_BYTES) throw new FormatError("encrypted attributes too long")
    const cipher = aes128CbcEncrypt(aes128ExpandKey(kEncr), iv, plain)
    return [attrReservedData(AT_IV, iv), attrReservedData(AT_ENCR_DATA, cipher)]
}

/** The attributes inside a message's AT_ENCR_DATA, or none when it has none. */
export async function decryptAttributes(kEncr: Buffer, m: AkaMessage, prime: boolean, yieldSlice: () => Promise<void>): Promise<AkaMessage> {
    const data = m.encrData
    const iv = m.iv
    if (data === undefined && iv === undefined) return new AkaMessage()
    if (data === undefined || iv === undefined) throw new FormatError("AT_ENCR_DATA and AT_IV must come together")
    if (data.length > MAX_CBC_BYTES) throw new FormatError("AT_ENCR_DATA too long")
    return decodeAttributes(await aes128CbcDecryptAsync(aes128ExpandKey(kEncr), iv, data, yieldSlice), 0, ENCRYPTED_ALLOWED, prime)
}
