// TLS 1.3 handshake messages as the card's client sends and reads them (RFC 8446 section 4): the
// ClientHello it offers (TLS 1.3 only, TLS_AES_128_GCM_SHA256, X25519, Ed25519, the server's
// name), and strict readers of what the server sends: ServerHello, EncryptedExtensions,
// CertificateRequest, Certificate, CertificateVerify, Finished and NewSessionTicket. Every length
// is checked against its enclosing one, every vector against its bounds, no extension may appear
// twice, and anything else is a TlsAlert with the alert the RFC names (alert.ts).

import { concat, fromUtf8, readOnlyView, toHex } from "../bytes"
import {
    ALERT_DECODE_ERROR,
    ALERT_HANDSHAKE_FAILURE,
    ALERT_ILLEGAL_PARAMETER,
    ALERT_MISSING_EXTENSION,
    ALERT_PROTOCOL_VERSION,
    ALERT_UNEXPECTED_MESSAGE,
    ALERT_UNSUPPORTED_EXTENSION,
    TlsAlert,
} from "./alert"

export const HS_CLIENT_HELLO = 1
export const HS_SERVER_HELLO = 2
export const HS_NEW_SESSION_TICKET = 4
export const HS_ENCRYPTED_EXTENSIONS = 8
export const HS_CERTIFICATE = 11
export const HS_CERTIFICATE_REQUEST = 13
export const HS_CERTIFICATE_VERIFY = 15
export const HS_FINISHED = 20

export const TLS_AES_128_GCM_SHA256 = 0x1301
export const GROUP_X25519 = 0x001d
export const SIG_ED25519 = 0x0807

const EXT_SERVER_NAME = 0
const EXT_SUPPORTED_GROUPS = 10
const EXT_SIGNATURE_ALGORITHMS = 13
const EXT_PRE_SHARED_KEY = 41
const EXT_SUPPORTED_VERSIONS = 43
const EXT_PSK_KEY_EXCHANGE_MODES = 45
const EXT_KEY_SHARE = 51
const TLS13 = 0x0304
/** psk_dhe_ke: resumption with a fresh X25519 exchange, for forward secrecy. */
const PSK_DHE_KE = 1

/** The largest handshake message the card takes (a certificate chain with room to spare). */
export const MAX_HANDSHAKE_MESSAGE = 8192

/** SHA-256 of "HelloRetryRequest": the random of a ServerHello that asks for another ClientHello. */
const HELLO_RETRY_RANDOM = "cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c"

function bad(what: string): TlsAlert {
    return new TlsAlert(ALERT_DECODE_ERROR, what)
}

/** A bounded reader over b[from..to): every read past `to` is a decode_error. */
class Cursor {
    constructor(
        private readonly b: Buffer,
        public at: number,
        private readonly end: number,
        private readonly what: string,
    ) {}

    left(): number {
        return this.end - this.at
    }

    uint(n: number): number {
        if (this.at + n > this.end) throw bad(this.what + " cut short")
        let v = 0
        for (let i = 0; i < n; i++) v = v * 256 + this.b[this.at + i]
        this.at += n
        return v
    }

    bytes(n: number): Buffer {
        if (n < 0 || this.at + n > this.end) throw bad(this.what + " cut short")
        const out = readOnlyView(this.b, this.at, this.at + n)
        this.at += n
        return out
    }

    /** A vector with a `lengthBytes` length, between `min` and `max` bytes. */
    vector(lengthBytes: number, min: number, max: number): Buffer {
        const n = this.uint(lengthBytes)
        if (n < min || n > max) throw bad(this.what + ": a vector of " + n + " bytes")
        return this.bytes(n)
    }

    /** A cursor over a vector, for its elements. */
    sub(lengthBytes: number, min: number, max: number, what: string): Cursor {
        const v = this.vector(lengthBytes, min, max)
        return new Cursor(v, 0, v.length, what)
    }

    done(): void {
        if (this.at !== this.end) throw bad(this.what + " with " + (this.end - this.at) + " bytes left over")
    }
}

interface Extension {
    type: number
    data: Buffer
}

/** Extensions of a message, each type at most once. */
function readExtensions(c: Cursor, min: number, what: string): Extension[] {
    const list = c.sub(2, min, 65535, what + " extensions")
    const seen: Extension[] = []
    while (list.left() > 0) {
        const type = list.uint(2)
        const data = list.vector(2, 0, 65535)
        for (let i = 0; i < seen.length; i++) if (seen[i].type === type) throw new TlsAlert(ALERT_ILLEGAL_PARAMETER, what + ": extension " + type + " twice")
        seen.push({ type: type, data: data })
    }
    return seen
}

function extensionData(list: Extension[], type: number): Buffer | null {
    for (let i = 0; i < list.length; i++) if (list[i].type === type) return list[i].data
    return null
}

export interface HandshakeMessage {
    type: number
    body: Buffer
    /** The whole message (type, length, body), for the transcript. */
    whole: Buffer
    end: number
}

/** The handshake message at `offset` of `b` (handshake records' contents, joined), or null when it has not all arrived. */
export function readHandshake(b: Buffer, offset: number): HandshakeMessage | null {
    if (b.length - offset < 4) return null
    const length = (b[offset + 1] << 16) | (b[offset + 2] << 8) | b[offset + 3]
    if (length > MAX_HANDSHAKE_MESSAGE) throw bad("handshake message of " + length + " bytes")
    if (b.length - offset - 4 < length) return null
    return { type: b[offset], body: b.slice(offset + 4, offset + 4 + length), whole: b.slice(offset, offset + 4 + length), end: offset + 4 + length }
}

function u16(v: number): Buffer {
    const b = Buffer.alloc(2)
    b[0] = (v >> 8) & 0xff
    b[1] = v & 0xff
    return b
}

function u8(v: number): Buffer {
    const b = Buffer.alloc(1)
    b[0] = v
    return b
}

function vec16(parts: Buffer[]): Buffer {
    const body = concat(parts)
    return concat([u16(body.length), body])
}

function extension(type: number, data: Buffer): Buffer {
    return concat([u16(type), vec16([data])])
}

/** Wraps a body as a handshake message of `type`. */
export function handshakeMessage(type: number, body: Buffer): Buffer {
    const head = Buffer.alloc(4)
    head[0] = type
    head[1] = (body.length >> 16) & 0xff
    head[2] = (body.length >> 8) & 0xff
    head[3] = body.length & 0xff
    return concat([head, body])
}

/** The binders of a ClientHello that offers one PSK: a 16-bit length, an 8-bit length, the 32-byte binder. */
export const PSK_BINDERS_LENGTH = 2 + 1 + 32

/**
 * The card's ClientHello: 32 random bytes, its X25519 public key, the server's DNS name; with a
 * ticket, the psk_dhe_ke mode and the pre_shared_key extension last (RFC 8446 4.2.11), its binder
 * zero: the caller writes it over the last 32 bytes once it has hashed the rest.
 */
export function clientHello(random: Buffer, keyShare: Buffer, serverName: string, ticket: Buffer | null, obfuscatedAge: number): Buffer {
    if (random.length !== 32 || keyShare.length !== 32) throw new RangeError("ClientHello random and key share are 32 bytes each")
    const name = fromUtf8(serverName)
    const parts = [
        extension(EXT_SERVER_NAME, vec16([u8(0), vec16([name])])),
        extension(EXT_SUPPORTED_VERSIONS, concat([u8(2), u16(TLS13)])),
        extension(EXT_SUPPORTED_GROUPS, vec16([u16(GROUP_X25519)])),
        extension(EXT_SIGNATURE_ALGORITHMS, vec16([u16(SIG_ED25519)])),
        extension(EXT_KEY_SHARE, vec16([u16(GROUP_X25519), vec16([keyShare])])),
    ]
    if (ticket !== null) {
        const age = Buffer.alloc(4)
        age[0] = (obfuscatedAge >> 24) & 0xff
        age[1] = (obfuscatedAge >> 16) & 0xff
        age[2] = (obfuscatedAge >> 8) & 0xff
        age[3] = obfuscatedAge & 0xff
        parts.push(extension(EXT_PSK_KEY_EXCHANGE_MODES, concat([u8(1), u8(PSK_DHE_KE)])))
        parts.push(extension(EXT_PRE_SHARED_KEY, concat([vec16([vec16([ticket]), age]), vec16([u8(32), Buffer.alloc(32)])])))
    }
    const extensions = concat(parts)
    const body = concat([u16(0x0303), random, u8(0), vec16([u16(TLS_AES_128_GCM_SHA256)]), u8(1), u8(0), vec16([extensions])])
    return handshakeMessage(HS_CLIENT_HELLO, body)
}

export interface ServerHello {
    random: Buffer
    /** The server's X25519 public key. */
    keyShare: Buffer
    /** The PSK the server chose (its index), or -1 for a full handshake. */
    pskIdentity: number
}

/** A ServerHello for the card's ClientHello (no session ID, one suite, X25519 only). */
export function parseServerHello(body: Buffer, offeredPsk: boolean): ServerHello {
    const c = new Cursor(body, 0, body.length, "ServerHello")
    if (c.uint(2) !== 0x0303) throw new TlsAlert(ALERT_PROTOCOL_VERSION, "ServerHello legacy version is not 0x0303")
    const random = c.bytes(32)
    if (toHex(random) === HELLO_RETRY_RANDOM) throw new TlsAlert(ALERT_HANDSHAKE_FAILURE, "HelloRetryRequest: the server accepts none of the card's groups")
    if (c.vector(1, 0, 32).length !== 0) throw new TlsAlert(ALERT_ILLEGAL_PARAMETER, "ServerHello echoes a session ID the card did not send")
    if (c.uint(2) !== TLS_AES_128_GCM_SHA256) throw new TlsAlert(ALERT_ILLEGAL_PARAMETER, "ServerHello chose a cipher suite the card did not offer")
    if (c.uint(1) !== 0) throw new TlsAlert(ALERT_ILLEGAL_PARAMETER, "ServerHello compression method is not null")
    const ext = readExtensions(c, 6, "ServerHello")
    c.done()
    for (let i = 0; i < ext.length; i++) {
        const t = ext[i].type
        if (t !== EXT_SUPPORTED_VERSIONS && t !== EXT_KEY_SHARE && !(t === EXT_PRE_SHARED_KEY && offeredPsk)) throw new TlsAlert(ALERT_UNSUPPORTED_EXTENSION, "ServerHello extension " + t + " the card did not offer")
    }
    const versions = extensionData(ext, EXT_SUPPORTED_VERSIONS)
    if (versions === null) throw new TlsAlert(ALERT_PROTOCOL_VERSION, "ServerHello without supported_versions: not TLS 1.3")
    if (versions.length !== 2 || ((versions[0] << 8) | versions[1]) !== TLS13) throw new TlsAlert(ALERT_ILLEGAL_PARAMETER, "ServerHello selected a version other than TLS 1.3")
    const share = extensionData(ext, EXT_KEY_SHARE)
    if (share === null) throw new TlsAlert(ALERT_MISSING_EXTENSION, "ServerHello without key_share")
    const s = new Cursor(share, 0, share.length, "key_share")
    if (s.uint(2) !== GROUP_X25519) throw new TlsAlert(ALERT_ILLEGAL_PARAMETER, "key_share of a group the card did not offer")
    const keyShare = s.vector(2, 32, 32)
    s.done()
    let psk = -1
    const chosen = extensionData(ext, EXT_PRE_SHARED_KEY)
    if (chosen !== null) {
        if (chosen.length !== 2) throw bad("pre_shared_key of " + chosen.length + " bytes")
        psk = (chosen[0] << 8) | chosen[1]
    }
    return { random: random, keyShare: keyShare, pskIdentity: psk }
}

/** EncryptedExtensions: well formed, each extension once, none the card cannot have asked for. */
export function parseEncryptedExtensions(body: Buffer): void {
    const c = new Cursor(body, 0, body.length, "EncryptedExtensions")
    const ext = readExtensions(c, 0, "EncryptedExtensions")
    c.done()
    for (let i = 0; i < ext.length; i++) {
        const t = ext[i].type
        // Those that belong in the ServerHello or the Certificate must not come here (RFC 8446 4.2).
        if (t === EXT_SUPPORTED_VERSIONS || t === EXT_KEY_SHARE || t === EXT_PRE_SHARED_KEY || t === EXT_SIGNATURE_ALGORITHMS || t === EXT_PSK_KEY_EXCHANGE_MODES) throw new TlsAlert(ALERT_ILLEGAL_PARAMETER, "EncryptedExtensions carries extension " + t)
    }
}

export interface CertificateRequest {
    context: Buffer
}

/** CertificateRequest: its context, and Ed25519 among the signature algorithms it takes. */
export function parseCertificateRequest(body: Buffer): CertificateRequest {
    const c = new Cursor(body, 0, body.length, "CertificateRequest")
    const context = c.vector(1, 0, 255)
    const ext = readExtensions(c, 2, "CertificateRequest")
    c.done()
    const algorithms = extensionData(ext, EXT_SIGNATURE_ALGORITHMS)
    if (algorithms === null) throw new TlsAlert(ALERT_MISSING_EXTENSION, "CertificateRequest without signature_algorithms")
    const a = new Cursor(algorithms, 0, algorithms.length, "signature_algorithms")
    const list = a.sub(2, 2, 65534, "signature_algorithms")
    a.done()
    let ed25519 = false
    if (list.left() % 2 !== 0) throw bad("signature_algorithms of an odd length")
    while (list.left() > 0) if (list.uint(2) === SIG_ED25519) ed25519 = true
    if (!ed25519) throw new TlsAlert(ALERT_HANDSHAKE_FAILURE, "the server takes no Ed25519 signature from the card")
    return { context: context }
}

/** Certificate: the certificates' DER, the end-entity's first. */
export function parseCertificate(body: Buffer): { context: Buffer; certificates: Buffer[] } {
    const c = new Cursor(body, 0, body.length, "Certificate")
    const context = c.vector(1, 0, 255)
    const list = c.sub(3, 0, MAX_HANDSHAKE_MESSAGE, "certificate_list")
    c.done()
    const certificates: Buffer[] = []
    while (list.left() > 0) {
        certificates.push(list.vector(3, 1, MAX_HANDSHAKE_MESSAGE))
        readExtensions(list, 0, "CertificateEntry")
    }
    return { context: context, certificates: certificates }
}

/** The Certificate message the card answers a CertificateRequest with (its own certificate only). */
export function certificateMessage(context: Buffer, certificate: Buffer): Buffer {
    const entry = concat([u8((certificate.length >> 16) & 0xff), u16(certificate.length & 0xffff), certificate, u16(0)])
    const list = concat([u8((entry.length >> 16) & 0xff), u16(entry.length & 0xffff), entry])
    return handshakeMessage(HS_CERTIFICATE, concat([u8(context.length), context, list]))
}

/** CertificateVerify: the algorithm and the signature. */
export function parseCertificateVerify(body: Buffer): { algorithm: number; signature: Buffer } {
    const c = new Cursor(body, 0, body.length, "CertificateVerify")
    const algorithm = c.uint(2)
    const signature = c.vector(2, 1, 65535)
    c.done()
    return { algorithm: algorithm, signature: signature }
}

/** The content a CertificateVerify signs (RFC 8446 4.4.3): 64 spaces, the context string, 0, the transcript hash. */
export function certificateVerifyContent(server: boolean, transcriptHash: Buffer): Buffer {
    const pad = Buffer.alloc(64)
    for (let i = 0; i < 64; i++) pad[i] = 0x20
    return concat([pad, fromUtf8(server ? "TLS 1.3, server CertificateVerify" : "TLS 1.3, client CertificateVerify"), Buffer.alloc(1), transcriptHash])
}

export function certificateVerifyMessage(signature: Buffer): Buffer {
    return handshakeMessage(HS_CERTIFICATE_VERIFY, concat([u16(SIG_ED25519), vec16([signature])]))
}

/** Finished: verify_data of the hash's length. */
export function parseFinished(body: Buffer): Buffer {
    if (body.length !== 32) throw bad("Finished of " + body.length + " bytes")
    return body
}

export interface SessionTicket {
    lifetimeSeconds: number
    ageAdd: number
    nonce: Buffer
    ticket: Buffer
}

export function parseNewSessionTicket(body: Buffer): SessionTicket {
    const c = new Cursor(body, 0, body.length, "NewSessionTicket")
    const lifetime = c.uint(4)
    const ageAdd = c.uint(4)
    const nonce = c.vector(1, 0, 255)
    const ticket = c.vector(2, 1, 65535)
    readExtensions(c, 0, "NewSessionTicket")
    c.done()
    // Servers must not offer a lifetime over seven days (RFC 8446 4.6.1).
    if (lifetime > 604800) throw new TlsAlert(ALERT_ILLEGAL_PARAMETER, "ticket lifetime of " + lifetime + " s")
    return { lifetimeSeconds: lifetime, ageAdd: ageAdd, nonce: nonce, ticket: ticket }
}

/** The next message must be of `type`. */
export function expectType(m: HandshakeMessage, type: number, what: string): void {
    if (m.type !== type) throw new TlsAlert(ALERT_UNEXPECTED_MESSAGE, "handshake message " + m.type + " where " + what + " was due")
}
