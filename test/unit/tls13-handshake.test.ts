// The card's TLS 1.3 handshake messages (src/tls/handshake-messages.ts): the RFC 8448 cases shared
// with the VM; its ClientHello sent to a real OpenSSL server (Node's TLS) over TCP, the answer
// read with the card's readers and its protected flight opened with the card's key schedule and
// records (X25519 shared secret, handshake keys, the server's Finished checked); and 100,000
// random and mutated inputs through the readers and the record reader, from which only TlsAlert
// escapes.

import { describe, expect, test } from "vitest"
import { randomBytes, randomInt } from "node:crypto"
import { connect as tcpConnect, type AddressInfo } from "node:net"
import { createServer } from "node:tls"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { tls13HandshakeCases } from "../shared/tls13-handshake-cases"
import { nodeHmacSha256, nodeTlsHash as h } from "../../sim/node-platform"
import { loadCaIdentity } from "../../sim/ca/ca-data"
import { issuedIdentity } from "../support/tls-identities"
import { x25519, x25519PublicKey } from "../../src/crypto/x25519"
import { TlsAlert } from "../../src/tls/alert"
import { deriveSecret, earlySecret, finishedVerifyData, handshakeSecret, trafficKeys } from "../../src/tls/key-schedule"
import { CONTENT_APPLICATION_DATA, CONTENT_HANDSHAKE, plainRecord, readRecord, RecordProtection } from "../../src/tls/record-protection"
import {
    clientHello,
    expectType,
    HS_CERTIFICATE,
    HS_CERTIFICATE_VERIFY,
    HS_ENCRYPTED_EXTENSIONS,
    HS_FINISHED,
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

describe("TLS 1.3 handshake cases shared with the VM (RFC 8448)", () => {
    for (const c of tls13HandshakeCases()) test(c.name, async () => await c.run({ hmacSha256: nodeHmacSha256, yieldSlice: async () => {} }))
})

describe("the card's ClientHello against OpenSSL", () => {
    test("the server answers; its ServerHello, EncryptedExtensions, Certificate, CertificateVerify and Finished open and verify with the card's code", async () => {
        const dir = mkdtempSync(join(tmpdir(), "tls13-hello-"))
        const ca = loadCaIdentity(dir)
        const cert = issuedIdentity(ca, "payments.activecard.example")
        const server = createServer({ key: cert.key, cert: cert.cert, minVersion: "TLSv1.3" }, (s) => s.on("error", () => {}))
        server.on("tlsClientError", () => {})
        await new Promise<void>((r) => server.listen(0, "127.0.0.1", r))
        try {
            const secret = randomBytes(32)
            const hello = clientHello(randomBytes(32), await x25519PublicKey(secret), "payments.activecard.example", null, 0)
            const socket = tcpConnect((server.address() as AddressInfo).port, "127.0.0.1")
            let received = Buffer.alloc(0)
            socket.on("data", (d) => (received = Buffer.concat([received, d])))
            socket.write(plainRecord(CONTENT_HANDSHAKE, hello))
            // Read records until the server's Finished has come.
            const records: { type: number; fragment: Buffer; header: Buffer; end: number }[] = []
            for (let waited = 0; waited < 5000; waited += 20) {
                records.length = 0
                let at = 0
                for (let r = readRecord(received, at); r !== null; r = readRecord(received, at)) {
                    records.push(r)
                    at = r.end
                }
                if (records.filter((r) => r.type === CONTENT_APPLICATION_DATA).length >= 1) break
                await new Promise((r) => setTimeout(r, 20))
            }
            socket.destroy()
            expect(records[0].type).toBe(CONTENT_HANDSHAKE)
            const sh = readHandshake(records[0].fragment, 0)!
            expectType(sh, HS_SERVER_HELLO, "ServerHello")
            const serverHello = parseServerHello(sh.body, false)
            const shared = await x25519(secret, serverHello.keyShare)
            const hs = handshakeSecret(h, earlySecret(h, null), shared)
            const th = h.sha256([hello, sh.whole])
            const sHs = deriveSecret(h, hs, "s hs traffic", th)
            const reader = new RecordProtection(trafficKeys(h, sHs), async () => {})
            // A change_cipher_spec record for middleboxes may come first; the protected ones follow.
            let flight = Buffer.alloc(0)
            for (const r of records.slice(1).filter((r) => r.type === CONTENT_APPLICATION_DATA)) {
                const opened = await reader.open(r)
                expect(opened.type).toBe(CONTENT_HANDSHAKE)
                flight = Buffer.concat([flight, opened.content])
            }
            const transcript: Buffer[] = [hello, sh.whole]
            let at = 0
            const next = (type: number, what: string) => {
                const m = readHandshake(flight, at)!
                expectType(m, type, what)
                at = m.end
                return m
            }
            const ee = next(HS_ENCRYPTED_EXTENSIONS, "EncryptedExtensions")
            parseEncryptedExtensions(ee.body)
            transcript.push(ee.whole)
            const c = next(HS_CERTIFICATE, "Certificate")
            expect(parseCertificate(c.body).certificates[0].equals(cert.der)).toBe(true)
            transcript.push(c.whole)
            const cv = next(HS_CERTIFICATE_VERIFY, "CertificateVerify")
            expect(parseCertificateVerify(cv.body).algorithm).toBe(0x0807)
            transcript.push(cv.whole)
            const fin = next(HS_FINISHED, "Finished")
            expect(parseFinished(fin.body).equals(finishedVerifyData(h, sHs, h.sha256(transcript)))).toBe(true)
        } finally {
            server.close()
            rmSync(dir, { recursive: true, force: true })
        }
    })
})

describe("TLS 1.3 handshake readers, fuzzed", () => {
    test("100,000 random and mutated messages and records: only TlsAlert escapes", () => {
        const seeds = tls13SeedBodies()
        const readers = [
            (b: Buffer) => parseServerHello(b, true),
            parseEncryptedExtensions,
            parseCertificateRequest,
            parseCertificate,
            parseCertificateVerify,
            parseFinished,
            parseNewSessionTicket,
            (b: Buffer) => readHandshake(b, 0),
            (b: Buffer) => readRecord(b, 0),
        ]
        let refused = 0
        let accepted = 0
        for (let i = 0; i < 100_000; i++) {
            const k = i % readers.length
            let input: Buffer
            if (i % 3 === 0) input = randomBytes(randomInt(0, 80))
            else {
                input = Buffer.from(seeds[k % seeds.length])
                for (let m = randomInt(1, 4); m > 0 && input.length > 0; m--) input[randomInt(0, input.length)] = randomInt(0, 256)
                if (randomInt(0, 4) === 0) input = input.subarray(0, randomInt(0, input.length + 1))
            }
            try {
                readers[k](input)
                accepted++
            } catch (e) {
                if (!(e instanceof TlsAlert)) throw new Error(`reader ${k} threw ${(e as Error).name}: ${(e as Error).message} on ${input.toString("hex")}`)
                refused++
            }
        }
        expect(refused).toBeGreaterThan(20_000)
        expect(accepted).toBeGreaterThan(1_000)
    })
})

/** Well-formed bodies for each reader, to mutate. */
function tls13SeedBodies(): Buffer[] {
    const hex = (s: string) => Buffer.from(s, "hex")
    return [
        hex("0303a6af06a4121860dc5e6e60249cd34c95930c8ac5cb1434dac155772ed3e2692800130100002e00330024001d0020c9828876112095fe66762bdbf7c672e156d6cc253b833df1dd69b1b04e751f0f002b00020304"),
        hex("0022000a00140012001d00170018001901000101010201030104001c0002400100000000"),
        hex("000008000d000400020807"),
        hex("00000012000009" + "300702010102020304" + "0000" + "000003" + "010203" + "0000"),
        hex("08070004deadbeef"),
        Buffer.alloc(32, 7),
        hex("0000001efad6aac502000000040102030400080029000400000400"),
        hex("1400002000000000000000000000000000000000000000000000000000000000000000000000"),
        hex("170303001400112233445566778899aabbccddeeff0011223344"),
    ]
}
