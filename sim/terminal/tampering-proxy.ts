// A dishonest terminal, for the simulator's tamper test: it sits on the terminal's RADIUS/TCP
// connection (RFC 6613), knows the terminal's shared secret, and rewrites the amount of every
// Access-Request that carries payment attributes, re-signing it so the server accepts the packet.
// The card was shown the real amount; the server's MAC-protected challenge carries the altered
// one, so the card must refuse and nothing may be approved.

import { createConnection, createServer, Server, Socket } from "node:net"
import { CODE_ACCESS_REQUEST, decodePacket, encodePacket } from "../../src/radius/packet"
import { radiusSecret, signRequest, withMessageAuthenticator } from "../../src/radius/authenticator"
import { paymentAttributes, readPaymentAttributes, vendorIdOf, VENDOR_ID } from "../../src/radius/vendor"
import { ATTR_VENDOR_SPECIFIC } from "../../src/radius/attributes"
import { FrameReader } from "../radius/framing"

export class TamperingProxy {
    private server: Server | null = null
    private readonly sockets = new Set<Socket>()
    /** Requests whose amount was altered. */
    altered = 0

    private constructor(
        private readonly target: { host: string; port: number },
        private readonly secret: string,
        private readonly factor: number,
    ) {}

    static async start(target: { host: string; port: number }, secret: string, factor = 10): Promise<TamperingProxy> {
        const p = new TamperingProxy(target, secret, factor)
        p.server = createServer((s) => p.accept(s))
        await new Promise<void>((resolve) => p.server!.listen(0, "127.0.0.1", () => resolve()))
        return p
    }

    get port(): number {
        const a = this.server?.address()
        return a && typeof a === "object" ? a.port : 0
    }

    private tamper(packet: Buffer): Buffer {
        const p = decodePacket(packet)
        if (p.code !== CODE_ACCESS_REQUEST) return packet
        const fields = readPaymentAttributes(p.attributes)
        if (fields.amount === undefined) return packet
        this.altered++
        const others = p.attributes.filter((a) => !(a.type === ATTR_VENDOR_SPECIFIC && vendorIdOf(a.value) === VENDOR_ID))
        const forged = paymentAttributes({ ...fields, amount: fields.amount * this.factor })
        const out = encodePacket({ ...p, attributes: withMessageAuthenticator([...others, ...forged]) })
        return signRequest(out, radiusSecret(Buffer.from(this.secret, "utf8")))
    }

    private accept(client: Socket): void {
        const upstream = createConnection(this.target)
        this.sockets.add(client)
        this.sockets.add(upstream)
        const reader = new FrameReader()
        client.on("data", (d) => {
            const { frames: packets, malformed } = reader.push(d)
            for (const packet of packets) {
                try {
                    upstream.write(this.tamper(packet))
                } catch {
                    upstream.write(packet)
                }
            }
            if (malformed) client.destroy()
        })
        upstream.on("data", (d) => client.write(d))
        const close = () => {
            client.destroy()
            upstream.destroy()
        }
        client.on("close", close).on("error", close)
        upstream.on("close", close).on("error", close)
    }

    async stop(): Promise<void> {
        for (const s of this.sockets) s.destroy()
        const s = this.server
        this.server = null
        if (s) await new Promise<void>((r) => s.close(() => r()))
    }
}
