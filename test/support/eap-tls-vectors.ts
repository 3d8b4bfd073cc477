// A recorded EAP-TLS 1.3 exchange for test/shared/eap-tls-replay-cases.ts: the card's peer with a
// fixed key and counting randomness against the payment server's EAP-TLS session (OpenSSL), with
// certificates from a fresh CA; every packet both ways and the MSK, for the VM to reproduce. With
// a payment, the server's session approves what the card confirms in the tunnel. Resumed: a full
// exchange, then one whose peer offers the first ticket the full one brought, against another
// session of the same server (the same ticket keys).

import { createPrivateKey, generateKeyPairSync, randomBytes } from "node:crypto"
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join, relative } from "node:path"
import { ROOT } from "../../sim/vm/devs-cli"
import { loadCaIdentity } from "../../sim/ca/ca-data"
import { issueHolderCertificate, pem, spkiOf } from "../../sim/ca/issue-certificate"
import { EapTlsServerSession, type TlsServerCredentials, type TunnelPayment } from "../../sim/server/eap-tls-server"
import { encodePayment, type Payment } from "../../src/payment/payment"
import { nodeTlsHash } from "../../sim/node-platform"
import type { EapTlsPeer } from "../../src/eap/eap-tls-peer"
import { recordedPeer, type EapTlsVectors, type RecordedTicket } from "../shared/eap-tls-replay-cases"

const SEED = Buffer.from("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb", "hex")
const SERVER_NAME = "payments.activecard.example"

/** The payment of a recorded payment exchange and the approval number its server gives. */
export const RECORDED_PAYMENT: Payment = { amount: 15000, currency: 410, installments: 0, merchantId: "MERCHANT0001", terminalId: "TERM0001", transactionId: Buffer.from("0102030405060708", "hex") }
const RECORDED_APPROVAL = "314159"

/** The recorded exchange; with `resumed`, the second of two recorded against sessions of one server, which resumes with the first ticket the first brought. */
export async function makeEapTlsVectors(payment: Payment | null = null, resumed = false): Promise<EapTlsVectors> {
    if (!resumed) return (await recordEapTls(payment, false)).full
    return (await recordEapTls(payment, true)).resumed as EapTlsVectors
}

/** A full exchange and the exchange resumed with its first ticket, recorded with the same CA, certificates and server. */
export async function makeResumedEapTlsVectors(payment: Payment | null = null): Promise<{ full: EapTlsVectors; resumed: EapTlsVectors }> {
    const r = await recordEapTls(payment, true)
    return { full: r.full, resumed: r.resumed as EapTlsVectors }
}

async function recordEapTls(payment: Payment | null, resume: boolean): Promise<{ full: EapTlsVectors; resumed: EapTlsVectors | null }> {
    const dir = mkdtempSync(join(tmpdir(), "eap-tls-vectors-"))
    try {
        const ca = loadCaIdentity(dir)
        // The card's key from its seed, as PKCS#8 (RFC 8410): the prefix, then the 32 bytes.
        const cardKey = createPrivateKey({ key: Buffer.concat([Buffer.from("302e020100300506032b657004220420", "hex"), SEED]), format: "der", type: "pkcs8" })
        const cardCert = issueHolderCertificate(ca, { name: "HONG GILDONG", phone: "+821000000000", publicKey: spkiOf(cardKey), baseUrl: "http://127.0.0.1:8829", validityDays: 30 })
        const { privateKey } = generateKeyPairSync("ed25519")
        const serverCert = issueHolderCertificate(ca, { name: SERVER_NAME, phone: "+820000000000", publicKey: spkiOf(privateKey), baseUrl: "http://127.0.0.1:8829", validityDays: 30 })
        // One server: its sessions share the keys that seal the tickets.
        const credentials: TlsServerCredentials = { key: privateKey.export({ type: "pkcs8", format: "pem" }) as string, cert: pem(serverCert.der, "CERTIFICATE"), ca: pem(ca.der, "CERTIFICATE"), ticketKeys: randomBytes(48) }
        const vectors = (randomStart: number, ticket: RecordedTicket | null): EapTlsVectors => ({
            seed: SEED.toString("hex"),
            certificate: cardCert.der.toString("hex"),
            caPublicKey: Buffer.from(ca.certificate.tbsCertificate.subjectPublicKeyInfo.subjectPublicKey).toString("hex"),
            serverName: SERVER_NAME,
            now: Math.floor(Date.now() / 1000),
            randomStart: randomStart,
            serverPackets: [],
            cardResponses: [],
            msk: "",
            payment: payment !== null ? encodePayment(payment).toString("hex") : "",
            approvalNumber: payment !== null ? RECORDED_APPROVAL : "",
            ticket: ticket,
        })
        const full = vectors(11, null)
        const peer = await record(full, credentials, payment)
        if (peer.tls === null || peer.tls.resumed) throw new Error("the first recorded exchange is not a full handshake")
        if (!resume) return { full, resumed: null }
        const t = peer.tls.newTickets[0]
        if (t === undefined) throw new Error("the server sent no ticket")
        // Other randomness than the first exchange's: a fresh ClientHello random and X25519 key.
        const resumed = vectors(111, { ticket: t.ticket.toString("hex"), psk: t.psk.toString("hex"), ageAdd: t.ageAdd, lifetimeSeconds: t.lifetimeSeconds, receivedAt: t.receivedAt })
        if (resumed.now - t.receivedAt >= t.lifetimeSeconds) throw new Error("the ticket is not valid at the resumed exchange's time")
        const second = await record(resumed, credentials, payment)
        if (second.tls === null || !second.tls.resumed) throw new Error("the server did not take the recorded ticket")
        return { full, resumed }
    } finally {
        rmSync(dir, { recursive: true, force: true })
    }
}

/** Runs the exchange of `v` (its peer as the replay builds it) against a new session, filling in the packets and the MSK; the peer. */
async function record(v: EapTlsVectors, credentials: TlsServerCredentials, payment: Payment | null): Promise<EapTlsPeer> {
    const expected = payment !== null ? encodePayment(payment) : null
    const tunnel: TunnelPayment = {
        decide: async (_certificate, confirmed) =>
            confirmed !== null && expected !== null && confirmed.equals(expected) ? { responseCode: "00", approvalNumber: RECORDED_APPROVAL, reason: "approved" } : { responseCode: "12", approvalNumber: "", reason: "the card did not confirm this payment" },
        finalize: async () => {},
    }
    const server = new EapTlsServerSession(credentials, 5, { payment: payment !== null ? tunnel : null })
    const peer = recordedPeer(v, nodeTlsHash, async () => {})
    let packet = server.start()
    for (let round = 0; round < 40; round++) {
        v.serverPackets.push(packet.toString("hex"))
        const answer = await peer.handle(packet)
        v.cardResponses.push(answer === null ? "" : answer.toString("hex"))
        if (answer === null) break
        packet = await server.handle(answer)
    }
    if (!server.outcome.success || peer.msk === null) throw new Error("the recorded exchange failed: " + server.outcome.reason + " / " + peer.failure)
    v.msk = peer.msk.toString("hex")
    return peer
}

/** `v` as EAP_TLS_VECTORS, `payment` as EAP_TLS_PAYMENT_VECTORS (else the same recording) and `resumed` as EAP_TLS_RESUMED_VECTORS (else null); null leaves a set out of the image. */
export function writeEapTlsVectorsModule(file: string, v: EapTlsVectors | null, payment: EapTlsVectors | null = v, resumed: EapTlsVectors | null = null): void {
    mkdirSync(dirname(file), { recursive: true })
    const cases = relative(dirname(file), join(ROOT, "test/shared/eap-tls-replay-cases"))
    writeFileSync(
        file,
        "// Generated by test/support/eap-tls-vectors.ts for one run; not committed.\n" +
            `import type { EapTlsVectors } from "${cases}"\n` +
            "export const EAP_TLS_VECTORS: EapTlsVectors | null = " +
            JSON.stringify(v, null, 1) +
            "\nexport const EAP_TLS_PAYMENT_VECTORS: EapTlsVectors | null = " +
            JSON.stringify(payment, null, 1) +
            "\nexport const EAP_TLS_RESUMED_VECTORS: EapTlsVectors | null = " +
            JSON.stringify(resumed, null, 1) +
            "\n",
    )
}
