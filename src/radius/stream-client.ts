// RADIUS over TCP (RFC 6613) from the terminal firmware: one request at a time on one
// connection, packets framed by their Length field, no retransmission on a connection
// (RFC 6613 2.6.1); a timeout, a malformed frame or a response that fails authentication closes
// the connection (2.6.4) and fails the request. Portable: the socket is injected.

import { concat, copyOf } from "../bytes"
import { CODE_ACCESS_REQUEST, decodePacket, encodePacket, frameLength, RadiusAttribute, RadiusPacket } from "./packet"
import { newRequestAuthenticator, RadiusSecret, signRequestAsync, verifyResponseAsync, withMessageAuthenticator } from "./authenticator"
import type { RadiusTransport } from "../terminal/radius-uplink"

/** A connected byte stream (DeviceScript's @devicescript/net socket on the device, node:net in tests). */
export interface ByteStream {
    write(b: Buffer): Promise<void>
    /** The next bytes, or null when the stream closed or nothing came within `timeoutMs`. */
    read(timeoutMs: number): Promise<Buffer | null>
    close(): Promise<void>
}

export class RadiusStreamClient implements RadiusTransport {
    private stream: ByteStream | null = null
    private id = 0
    private pending: Buffer = Buffer.alloc(0)

    constructor(
        private readonly open: () => Promise<ByteStream>,
        private readonly secret: RadiusSecret,
        private readonly random: (n: number) => Buffer,
        private readonly yieldSlice: () => Promise<void>,
        private readonly timeoutMs: number,
    ) {}

    async close(): Promise<void> {
        const s = this.stream
        this.stream = null
        this.pending = Buffer.alloc(0)
        if (s !== null) await s.close()
    }

    private async fail(why: string): Promise<RadiusPacket> {
        await this.close()
        throw new Error(why)
    }

    async request(code: number, attributes: RadiusAttribute[]): Promise<RadiusPacket> {
        if (this.stream === null) {
            this.stream = await this.open()
            this.pending = Buffer.alloc(0)
        }
        const stream = this.stream
        this.id = (this.id + 1) & 0xff
        const auth = newRequestAuthenticator(this.random)
        const attrs = code === CODE_ACCESS_REQUEST ? withMessageAuthenticator(attributes) : attributes
        const bytes = await signRequestAsync(encodePacket({ code: code, identifier: this.id, authenticator: auth, attributes: attrs }), this.secret, this.yieldSlice)
        try {
            await stream.write(bytes)
        } catch (e) {
            // The server closed the connection (restart, idle timeout): drop it, the next request reconnects.
            return await this.fail("the connection to the payment server is closed")
        }
        for (;;) {
            let len = -1
            try {
                len = frameLength(this.pending, 0)
            } catch (e) {
                return await this.fail("malformed RADIUS frame from the server")
            }
            if (len > 0 && this.pending.length >= len) {
                const frame = copyOf(this.pending, 0, len)
                this.pending = copyOf(this.pending, len, this.pending.length)
                if (frame[1] !== this.id) continue // a late answer to an abandoned request
                if (!(await verifyResponseAsync(frame, auth, this.secret, true, this.yieldSlice))) return await this.fail("RADIUS response failed authentication")
                return decodePacket(frame)
            }
            const more = await stream.read(this.timeoutMs)
            if (more === null) return await this.fail("no answer from the payment server")
            this.pending = concat([this.pending, more])
        }
    }
}
