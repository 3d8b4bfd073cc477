// The payment inside the EAP-TLS tunnel (the payment patent's figure 6, steps 635-640): messages
// carried as TLS application data after the handshake, each a type byte, a 16-bit length and a
// body, so that records the TLS layer joins or splits still read back whole.
//   CONFIRM  card -> server, with its Finished: the payment the card displayed (payment.ts encoding)
//   RESULT   server -> card: the decision (result.ts encoding), which only the server can seal
//   ACK      card -> server: the card verified and showed the result; an approval becomes final
// Then the protected success indication (RFC 9190 2.5: one byte 0x00, never a message here)
// ends an approval; a decline ends with EAP-Failure after the ACK.

import { FormatError } from "../format-error"
import { concat } from "../bytes"

export const TUNNEL_CONFIRM = 1
export const TUNNEL_RESULT = 2
export const TUNNEL_ACK = 3

export interface TunnelMessage {
    type: number
    body: Buffer
}

export function encodeTunnelMessage(type: number, body: Buffer): Buffer {
    if (body.length > 0xffff) throw new FormatError("tunnel message too long")
    const head = Buffer.alloc(3)
    head[0] = type
    head[1] = body.length >> 8
    head[2] = body.length & 0xff
    return concat([head, body])
}

/**
 * The whole messages at the start of `data` and what is left of it (a message still incomplete).
 * Throws FormatError on an unknown type.
 */
export function readTunnelMessages(data: Buffer): { messages: TunnelMessage[]; rest: Buffer } {
    const messages: TunnelMessage[] = []
    let at = 0
    while (at + 3 <= data.length) {
        const type = data[at]
        if (type !== TUNNEL_CONFIRM && type !== TUNNEL_RESULT && type !== TUNNEL_ACK) throw new FormatError("unknown tunnel message type " + type)
        const end = at + 3 + ((data[at + 1] << 8) | data[at + 2])
        if (end > data.length) break
        messages.push({ type: type, body: data.slice(at + 3, end) })
        at = end
    }
    return { messages: messages, rest: data.slice(at, data.length) }
}
