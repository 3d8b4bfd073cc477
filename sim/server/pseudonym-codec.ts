// Stateless encrypted pseudonyms for EAP-AKA / EAP-AKA' (RFC 4187 4.1.1.7, AT_NEXT_PSEUDONYM), in
// the manner of 3GPP AAA servers (TS 33.402's encrypted identities, FreeRADIUS's 3GPP pseudonyms):
// the pseudonym carries the card ID under authenticated encryption with a server key, so issuing
// one writes nothing and resolving one reads nothing.
//
//   pseudonym = "P" || base64url(keyIndex (1) || nonce (12) || AES-256-GCM(key, cardId) || tag (16))
//
// The additional authenticated data is the key index byte. The card ID is UTF-8, padded with zero
// bytes to CARD_ID_BYTES, so every pseudonym has the same length (83 characters) whatever the card
// ID's: its length links nothing. The nonce is random, so two pseudonyms of one card are
// unlinkable (random 96-bit nonces stay within NIST SP 800-38D 8.3's bound for 2^32 pseudonyms
// under one key). A string of the wrong length, character set or tag character, under an unknown
// key index, or failing the GCM tag is not a pseudonym of ours: decode() answers null and the
// server asks for the permanent identity (RFC 4187 4.1.6), as for a pseudonym it does not know.
// Nothing from the air makes it throw.
//
// Keys are 32 random bytes in the database's server_keys table, by index, created by the first
// server to start on a database (every other process reads the same one). Pseudonyms are issued
// under PSEUDONYM_KEY_INDEX; any index in the table decodes, which leaves room for rotation: store
// a new key at a new index, issue under it, and drop the old index once no card may still hold a
// pseudonym under it. A pseudonym does not expire while its key is kept.

import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto"
import { nodeRandomBytes } from "../node-platform"
import type { ServerKey } from "../db/storage"

/** The key index new pseudonyms are issued under. */
export const PSEUDONYM_KEY_INDEX = 1
/** AES-256 key length. */
export const SERVER_KEY_BYTES = 32
/** The card ID field: provisioning allows 4..32 letters or digits. */
export const CARD_ID_BYTES = 32

const TAG_CHAR = "P"
const NONCE_BYTES = 12
const GCM_TAG_BYTES = 16
const RAW_BYTES = 1 + NONCE_BYTES + CARD_ID_BYTES + GCM_TAG_BYTES
/** Characters of a pseudonym: the tag character and the base64url body (83 in all). */
export const PSEUDONYM_LENGTH = 1 + Math.ceil((RAW_BYTES * 4) / 3)
const BODY = new RegExp(`^${TAG_CHAR}[A-Za-z0-9_-]{${PSEUDONYM_LENGTH - 1}}$`)

/** A new random key at `index`, for the first start on a database. */
export function newServerKey(index = PSEUDONYM_KEY_INDEX): ServerKey {
    return { index, key: randomBytes(SERVER_KEY_BYTES) }
}

export class PseudonymCodec {
    private readonly keys = new Map<number, Buffer>()
    private readonly issueKey: Buffer

    /** Decodes under every key in `keys`; issues under `issueIndex`, which must be one of them. */
    constructor(keys: ServerKey[], private readonly issueIndex = PSEUDONYM_KEY_INDEX) {
        for (const k of keys) {
            if (!Number.isInteger(k.index) || k.index < 0 || k.index > 255) throw new RangeError(`server key index ${k.index} is not a byte`)
            if (k.key.length !== SERVER_KEY_BYTES) throw new RangeError(`server key ${k.index} is not ${SERVER_KEY_BYTES} bytes`)
            this.keys.set(k.index, Buffer.from(k.key))
        }
        const issue = this.keys.get(issueIndex)
        if (issue === undefined) throw new RangeError(`no server key at index ${issueIndex}`)
        this.issueKey = issue
    }

    /** A new pseudonym for the card; "" when its ID cannot be carried (empty, longer than CARD_ID_BYTES, or holding NUL). */
    encode(cardId: string): string {
        const id = Buffer.from(cardId, "utf8")
        if (id.length === 0 || id.length > CARD_ID_BYTES || id.includes(0)) return ""
        const plain = Buffer.alloc(CARD_ID_BYTES)
        id.copy(plain)
        const index = Buffer.from([this.issueIndex])
        const nonce = nodeRandomBytes(NONCE_BYTES) // the server's pooled generator: one system call per 4 KB
        const cipher = createCipheriv("aes-256-gcm", this.issueKey, nonce, { authTagLength: GCM_TAG_BYTES })
        cipher.setAAD(index)
        const sealed = Buffer.concat([index, nonce, cipher.update(plain), cipher.final(), cipher.getAuthTag()])
        return TAG_CHAR + sealed.toString("base64url")
    }

    /** The card ID inside a pseudonym of ours, or null for anything else. */
    decode(pseudonym: string): string | null {
        if (!BODY.test(pseudonym)) return null
        const body = pseudonym.slice(1)
        const raw = Buffer.from(body, "base64url")
        // One spelling per pseudonym: the last character's unused bits must be zero.
        if (raw.length !== RAW_BYTES || raw.toString("base64url") !== body) return null
        const key = this.keys.get(raw[0])
        if (key === undefined) return null
        const nonce = raw.subarray(1, 1 + NONCE_BYTES)
        const sealed = raw.subarray(1 + NONCE_BYTES, RAW_BYTES - GCM_TAG_BYTES)
        let plain: Buffer
        try {
            const decipher = createDecipheriv("aes-256-gcm", key, nonce, { authTagLength: GCM_TAG_BYTES })
            decipher.setAAD(raw.subarray(0, 1))
            decipher.setAuthTag(raw.subarray(RAW_BYTES - GCM_TAG_BYTES))
            plain = Buffer.concat([decipher.update(sealed), decipher.final()])
        } catch {
            return null // the tag does not verify: forged, altered, or under another server's key
        }
        let end = plain.length
        while (end > 0 && plain[end - 1] === 0) end--
        return end === 0 ? null : plain.subarray(0, end).toString("utf8")
    }
}
