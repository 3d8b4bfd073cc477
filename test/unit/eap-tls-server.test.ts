// The server's EAP-TLS 1.3 session (sim/server/eap-tls-server.ts) against an independent peer,
// Node's TLS client over EAP-TLS fragments (test/support/node-eap-tls-peer.ts), with certificates
// from our CA: mutual authentication with the keys both sides export equal, the protected
// success indication, fragments acknowledged both ways; a card certificate from another CA, a
// server name the card does not expect and malformed responses end in EAP-Failure without keys.

import { afterAll, beforeAll, describe, expect, test } from "vitest"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { loadCaIdentity } from "../../sim/ca/ca-data"
import type { CaIdentity } from "../../sim/ca/issue-certificate"
import { caPem, issuedIdentity as identity } from "../support/tls-identities"
import { EapTlsServerSession, TLS_SERVER_DONE } from "../../sim/server/eap-tls-server"
import { decodeEap, EAP_FAILURE, EAP_REQUEST, EAP_SUCCESS } from "../../src/eap/eap-packet"
import { NodeEapTlsPeer } from "../support/node-eap-tls-peer"

const SERVER_NAME = "payments.activecard.example"
const dirs: string[] = []
let ca: CaIdentity
let otherCa: CaIdentity


beforeAll(() => {
    for (let i = 0; i < 2; i++) dirs.push(mkdtempSync(join(tmpdir(), "eap-tls-ca-")))
    ca = loadCaIdentity(dirs[0])
    otherCa = loadCaIdentity(dirs[1])
})
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })))

/** Runs the exchange to its end: the packets' codes in order, the last packet. */
async function run(server: EapTlsServerSession, peer: NodeEapTlsPeer) {
    const codes: string[] = []
    let packet = server.start()
    for (let round = 0; round < 60; round++) {
        const p = decodeEap(packet)
        if (p.code !== EAP_REQUEST) return { codes, last: p }
        codes.push(`${p.data[0].toString(16)}`)
        packet = await server.handle(await peer.handle(packet))
    }
    throw new Error("the exchange did not end")
}

describe("EAP-TLS 1.3 on the server against Node's TLS client as peer", () => {
    test("mutual authentication: EAP-Success, the same MSK and EMSK on both sides, the success indication, the card's certificate", async () => {
        const s = identity(ca, SERVER_NAME)
        const card = identity(ca, "HONG GILDONG")
        const server = new EapTlsServerSession({ key: s.key, cert: s.cert, ca: caPem(ca) }, 7, { fragmentData: 300 })
        const peer = new NodeEapTlsPeer({ key: card.key, cert: card.cert, ca: caPem(ca), servername: SERVER_NAME }, 300)
        const { codes, last } = await run(server, peer)
        expect(last.code, server.outcome.reason).toBe(EAP_SUCCESS)
        expect(server.state).toBe(TLS_SERVER_DONE)
        expect(peer.secured && peer.successIndicated).toBe(true)
        expect(peer.socket!.getProtocol()).toBe("TLSv1.3")
        const material = peer.keyMaterial()
        expect(server.outcome.msk!.equals(material.subarray(0, 64))).toBe(true)
        expect(server.outcome.emsk!.equals(material.subarray(64))).toBe(true)
        expect(server.outcome.sessionId!.length).toBe(65)
        expect(server.outcome.sessionId![0]).toBe(13)
        expect(server.outcome.peerCertificate!.equals(card.der)).toBe(true)
        // Flights over 300 bytes went in fragments: L+M first (c0), M (40), and the acknowledgements (00).
        expect(codes[0]).toBe("20")
        expect(codes).toContain("c0")
        expect(codes).toContain("40")
        expect(codes).toContain("0")
        peer.close()
    })

    test("a card certificate from another CA: refused by the server, EAP-Failure, no keys", async () => {
        const s = identity(ca, SERVER_NAME)
        const card = identity(otherCa, "HONG GILDONG")
        const server = new EapTlsServerSession({ key: s.key, cert: s.cert, ca: caPem(ca) }, 1)
        const peer = new NodeEapTlsPeer({ key: card.key, cert: card.cert, ca: caPem(ca), servername: SERVER_NAME })
        const { last } = await run(server, peer)
        expect(last.code).toBe(EAP_FAILURE)
        expect(server.outcome.success).toBe(false)
        expect(server.outcome.reason).toMatch(/^TLS: client certificate refused: UNABLE_TO_VERIFY_LEAF_SIGNATURE|^TLS: client certificate refused: /)
        expect(server.outcome.msk).toBeNull()
        expect(peer.successIndicated).toBe(false)
        peer.close()
    })

    test("a server certificate for another name: the card refuses it, EAP-Failure, no keys", async () => {
        const s = identity(ca, "elsewhere.example")
        const card = identity(ca, "HONG GILDONG")
        const server = new EapTlsServerSession({ key: s.key, cert: s.cert, ca: caPem(ca) }, 1)
        const peer = new NodeEapTlsPeer({ key: card.key, cert: card.cert, ca: caPem(ca), servername: SERVER_NAME })
        const { last } = await run(server, peer)
        expect(last.code).toBe(EAP_FAILURE)
        expect(peer.failed).toMatch(/altnames|host|name/i)
        expect(server.outcome.msk).toBeNull()
        peer.close()
    })

    test("malformed responses end the exchange with a named reason and an EAP-Failure, never a throw", async () => {
        const s = identity(ca, SERVER_NAME)
        const cases: [Buffer, RegExp][] = [
            [Buffer.from("0201", "hex"), /shorter than its 4-byte header/],
            [Buffer.from("020100060d", "hex"), /exceeds/],
            [Buffer.from("02090006" + "0d00", "hex"), /not the EAP-Response to request 1/],
            [Buffer.from("020100061700", "hex"), /EAP type 23 where EAP-TLS was asked/],
            [Buffer.from("020100070d8000", "hex"), /four-byte TLS Message Length/],
            [Buffer.from("0201000a0d4000000400", "hex"), /without its TLS Message Length/],
            [Buffer.from("020100060d00", "hex"), /nothing where TLS records were due/],
            [Buffer.from("020100080d001603", "hex"), /TLS records cut short/],
            [Buffer.from("0201000b0d0016030300ff", "hex"), /TLS records cut short/],
            [Buffer.from("0201000b0d0015030300020232", "hex").subarray(0, 11), /TLS records cut short/],
            // A fatal alert where the ClientHello was due: the server's own alert goes first (below).
            [Buffer.from("0201000d0d001503030002022f", "hex"), /^TLS: unexpected message$/],
        ]
        for (const [response, reason] of cases) {
            const server = new EapTlsServerSession({ key: s.key, cert: s.cert, ca: caPem(ca) }, 1)
            server.start()
            let answer = decodeEap(await server.handle(response))
            if (answer.code === EAP_REQUEST) {
                // TLS wrote an alert: it goes to the peer, whose acknowledgement ends the exchange.
                expect(answer.data.subarray(1, 2).toString("hex"), response.toString("hex")).toBe("15")
                answer = decodeEap(await server.handle(Buffer.from([2, answer.id, 0, 6, 13, 0])))
            }
            expect(answer.code, response.toString("hex")).toBe(EAP_FAILURE)
            expect(server.outcome.reason, response.toString("hex")).toMatch(reason)
            expect(server.outcome.msk).toBeNull()
        }
    })
})
