// The card's TLS 1.3 handshake message readers against RFC 8448 section 3's messages, written to
// run in Node and inside the DeviceScript VM, and the refusals each reader owes (the alert the
// RFC names for each).

import { fromHex, toHex } from "../../src/bytes"
import { ALERT_DECODE_ERROR, ALERT_HANDSHAKE_FAILURE, ALERT_ILLEGAL_PARAMETER, ALERT_PROTOCOL_VERSION, ALERT_UNSUPPORTED_EXTENSION, TlsAlert } from "../../src/tls/alert"
import {
    HS_SERVER_HELLO,
    parseCertificate,
    parseCertificateRequest,
    parseCertificateVerify,
    parseEncryptedExtensions,
    parseFinished,
    parseNewSessionTicket,
    parseServerHello,
    readHandshake,
} from "../../src/tls/handshake-messages"
import { CryptoCase } from "./crypto-cases"

function ok(cond: boolean, what: string): void {
    if (!cond) throw new Error(what)
}

/** The alert `f` throws, or -1. */
function alertOf(f: () => void): number {
    try {
        f()
    } catch (e) {
        if (e instanceof TlsAlert) return e.alert
        throw e
    }
    return -1
}

/** The body of a handshake message given whole in hex. */
function body(hex: string): Buffer {
    const m = readHandshake(fromHex(hex), 0)
    if (m === null) throw new Error("no whole message")
    return m.body
}

// RFC 8448 section 3.
const SERVER_HELLO = "020000560303a6af06a4121860dc5e6e60249cd34c95930c8ac5cb1434dac155772ed3e2692800130100002e00330024001d0020c9828876112095fe66762bdbf7c672e156d6cc253b833df1dd69b1b04e751f0f002b00020304"
const ENCRYPTED_EXTENSIONS = "080000240022000a00140012001d00170018001901000101010201030104001c0002400100000000"
const CERTIFICATE_START = "0b0001b9000001b50001b0308201ac30820115a003020102020102300d06092a864886f70d01010b0500300e310c300a06035504031303727361301e170d3136303733303031323335395a170d3236303733303031323335395a300e310c300a0603550403130372736130819f300d06092a864886f70d010101050003818d0030818902818100b4bb498f8279303d980836399b36c6988c0c68de55e1bdb826d3901a2461eafd2de49a91d015abbc9a95137ace6c1af19eaa6af98c7ced43120998e187a80ee0ccb0524b1b018c3e0b63264d449a6d38e22a5fda430846748030530ef0461c8ca9d9efbfae8ea6d1d03e2bd193eff0ab9a8002c47428a6d35a8d88d79f7f1e3f0203010001a31a301830090603551d1304023000300b0603551d0f0404030205a0300d06092a864886f70d01010b05000381810085aad2a0e5b9276b908c65f73a7267170618a54c5f8a7b337d2df7a594365417f2eae8f8a58c8f8172f9319cf36b7fd6c55b80f21a03015156726096fd335e5e67f2dbf102702e608ccae6bec1fc63a42a99be5c3eb7107c3c54e9b9eb2bd5203b1c3b84e0a8b2f759409ba3eac9d91d402dcc0cc8f8961229ac9187b42b4de10000"
const CERTIFICATE_VERIFY = "0f000084080400805a747c5d88fa9bd2e55ab085a61015b7211f824cd484145ab3ff52f1fda8477b0b7abc90db78e2d33a5c141a078653fa6bef780c5ea248eeaaa785c4f394cab6d30bbe8d4859ee511f602957b15411ac027671459e46445c9ea58c181e818e95b8c3fb0bf3278409d3be152a3da5043e063dda65cdf5aea20d53dfacd42f74f3"
const SERVER_FINISHED = "140000209b9b141d906337fbd2cbdce71df4deda4ab42c309572cb7fffee5454b78f0718"
const NEW_SESSION_TICKET = "040000c90000001efad6aac502000000b22c035d829359ee5ff7af4ec900000000262a6494dc486d2c8a34cb33fa90bf1b0070ad3c498883c9367c09a2be785abc55cd226097a3a982117283f82a03a143efd3ff5dd36d64e861be7fd61d2827db279cce145077d454a3664d4e6da4d29ee03725a6a4dafcd0fc67d2aea70529513e3da2677fa5906c5b3f7d8f92f228bda40dda721470f9fbf297b5aea617646fac5c03272e970727c621a79141ef5f7de6505e5bfbc388e93343694093934ae4d3570008002a000400000400"

/** The ServerHello body with `from` replaced by `to` (hex). */
function serverHelloWith(from: string, to: string): Buffer {
    const b = toHex(body(SERVER_HELLO))
    const at = b.indexOf(from)
    if (at < 0) throw new Error("no " + from + " in the ServerHello")
    return fromHex(b.slice(0, at) + to + b.slice(at + from.length))
}

export function tls13HandshakeCases(): CryptoCase[] {
    return [
        {
            name: "TLS 1.3 handshake messages, RFC 8448 section 3: ServerHello, EncryptedExtensions, Certificate, CertificateVerify, Finished, NewSessionTicket",
            run: () => {
                const m = readHandshake(fromHex(SERVER_HELLO), 0)
                ok(m !== null && m.type === HS_SERVER_HELLO && toHex(m.whole) === SERVER_HELLO, "the ServerHello read whole")
                const sh = parseServerHello(body(SERVER_HELLO), false)
                ok(toHex(sh.keyShare) === "c9828876112095fe66762bdbf7c672e156d6cc253b833df1dd69b1b04e751f0f", "the server's key share")
                ok(toHex(sh.random).indexOf("a6af06a4") === 0 && sh.pskIdentity === -1, "random, no PSK")
                parseEncryptedExtensions(body(ENCRYPTED_EXTENSIONS))
                const cert = parseCertificate(body(CERTIFICATE_START))
                ok(cert.context.length === 0 && cert.certificates.length === 1 && cert.certificates[0].length === 0x1b0, "one 432-byte certificate")
                ok(toHex(cert.certificates[0]).indexOf("308201ac") === 0, "the certificate's DER")
                const cv = parseCertificateVerify(body(CERTIFICATE_VERIFY))
                ok(cv.algorithm === 0x0804 && cv.signature.length === 128, "rsa_pss_rsae_sha256, 128 bytes")
                ok(toHex(parseFinished(body(SERVER_FINISHED))) === SERVER_FINISHED.slice(8), "verify_data")
                const t = parseNewSessionTicket(body(NEW_SESSION_TICKET))
                ok(t.lifetimeSeconds === 30 && t.ageAdd === 0xfad6aac5 && t.nonce.length === 2 && t.ticket.length === 178, "ticket: 30 s, age_add, nonce, 178 bytes")
            },
        },
        {
            name: "TLS 1.3 handshake readers refuse: another suite, HelloRetryRequest, an extension twice or not offered, no TLS 1.3, cut short, a request without Ed25519, a short Finished",
            run: () => {
                ok(alertOf(() => parseServerHello(serverHelloWith("00130100", "00130200"), false)) === ALERT_ILLEGAL_PARAMETER, "TLS_AES_256_GCM_SHA384")
                const hrr = serverHelloWith(toHex(body(SERVER_HELLO)).slice(4, 68), "cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c")
                ok(alertOf(() => parseServerHello(hrr, false)) === ALERT_HANDSHAKE_FAILURE, "HelloRetryRequest")
                ok(alertOf(() => parseServerHello(serverHelloWith("002e0033", "002e002b"), false)) !== -1, "key_share turned into a second supported_versions")
                ok(alertOf(() => parseServerHello(serverHelloWith("002b00020304", "002b00020303"), false)) === ALERT_ILLEGAL_PARAMETER, "TLS 1.2 selected")
                ok(alertOf(() => parseServerHello(serverHelloWith("002e00330024", "002e00290024"), false)) === ALERT_UNSUPPORTED_EXTENSION, "pre_shared_key not offered")
                ok(alertOf(() => parseServerHello(body(SERVER_HELLO).slice(0, 50), false)) === ALERT_DECODE_ERROR, "cut short")
                ok(alertOf(() => parseServerHello(serverHelloWith("0303a6af", "0302a6af"), false)) === ALERT_PROTOCOL_VERSION, "legacy version")
                ok(alertOf(() => parseCertificateRequest(fromHex("000008000d000400020403"))) === ALERT_HANDSHAKE_FAILURE, "no Ed25519")
                ok(alertOf(() => parseCertificateRequest(fromHex("000008000d000400020807"))) === -1, "Ed25519 offered")
                ok(alertOf(() => parseFinished(Buffer.alloc(31))) === ALERT_DECODE_ERROR, "short Finished")
                ok(alertOf(() => parseEncryptedExtensions(fromHex("0008002b0002030400"))) === ALERT_DECODE_ERROR, "an extension list longer than its message")
                ok(alertOf(() => parseEncryptedExtensions(fromHex("0006002b00020304"))) === ALERT_ILLEGAL_PARAMETER, "supported_versions in EncryptedExtensions")
                ok(alertOf(() => parseEncryptedExtensions(fromHex("000800000000000000000000".slice(0, 20)))) === ALERT_ILLEGAL_PARAMETER, "server_name twice")
                ok(alertOf(() => readHandshake(fromHex("0b00ffff"), 0)) === ALERT_DECODE_ERROR, "a message over the card's limit")
            },
        },
    ]
}
