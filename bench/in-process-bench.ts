// The server benchmark's payments with both sides in one thread and no sockets: the same cards,
// terminal relays and payment server (RADIUS processing, EAP-AKA / EAP-AKA' sessions, the durable
// store), the server called through RadiusUdpServer.answer() instead of a datagram. Its CPU per
// payment, measured beside the socket benchmark in the same minutes, tells what the protocol and
// the store cost from what carrying them over UDP between two threads costs.

import { nodeRandomBytes as randomBytes } from "../sim/node-platform"
import type { RadiusUdpServer } from "../sim/radius/udp-server"
import { decodePacket, encodePacket, type RadiusAttribute, type RadiusPacket } from "../src/radius/packet"
import { newRequestAuthenticator, radiusSecret, signRequest, verifyResponse, withMessageAuthenticator, type RadiusSecret } from "../src/radius/authenticator"
import { RadiusUplink, type RadiusTransport } from "../src/terminal/radius-uplink"
import { benchCards, openBenchServer } from "./bench-setup"
import { payAll } from "./load-worker"
import { EAP_TYPE_AKA_PRIME } from "../src/eap/eap-packet"

/**
 * A terminal's RADIUS client without a socket: each request signed as the UDP client signs it,
 * handed to the server as a datagram from 127.0.0.1:port, and its answer verified.
 */
class InProcessRadius implements RadiusTransport {
    private id = 0

    constructor(
        private readonly server: RadiusUdpServer,
        private readonly secret: RadiusSecret,
        private readonly port: number,
    ) {}

    async request(code: number, attributes: RadiusAttribute[]): Promise<RadiusPacket> {
        const auth = newRequestAuthenticator(randomBytes)
        const bytes = signRequest(encodePacket({ code, identifier: this.id, authenticator: auth, attributes: withMessageAuthenticator(attributes) }), this.secret)
        this.id = (this.id + 1) & 0xff
        const out = await this.server.answer(bytes, "127.0.0.1", this.port)
        if (out.reply === null || !verifyResponse(out.reply, auth, this.secret, true)) throw new Error("in-process RADIUS: no authentic answer")
        return decodePacket(out.reply)
    }
}

export interface InProcessResult {
    approved: number
    /** Process CPU time (every thread: GC helpers and the file-system pool too) per payment, in µs. */
    cpuPerPayment: number
}

export async function benchInProcess(method: number, terminals: number, cardsPerTerminal: number, paymentsPerTerminal: number, warmupPerTerminal: number): Promise<InProcessResult> {
    const { server, terminal, fleets, close } = await openBenchServer(method, terminals, cardsPerTerminal)
    try {
        const secret = radiusSecret(Buffer.from(terminal.secret, "utf8"))
        // A source port per terminal, as each simulated terminal has its own socket in the UDP run.
        const fleet = fleets.map((profiles, t) => ({
            cards: benchCards(profiles, method === EAP_TYPE_AKA_PRIME),
            uplink: new RadiusUplink(new InProcessRadius(server.udp, secret, 40000 + t), terminal.terminalId),
        }))
        const warm = await payAll(terminal.terminalId, fleet, warmupPerTerminal)
        if (warm.failures.length > 0) throw new Error("in-process warm-up payments not approved: " + warm.failures.join("; "))
        const cpu0 = process.cpuUsage()
        const result = await payAll(terminal.terminalId, fleet, paymentsPerTerminal)
        const cpu = process.cpuUsage(cpu0)
        if (result.failures.length > 0) throw new Error("in-process payments not approved: " + result.failures.join("; "))
        return { approved: result.approved, cpuPerPayment: (cpu.user + cpu.system) / result.approved }
    } finally {
        await close()
    }
}
