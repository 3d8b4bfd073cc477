// IrDA SIR asynchronous framing (IrPHY "asynchronous serial wrapper", as used by IrLAP over a
// UART in IrDA mode): optional extra BOFs (0xFF), BOF 0xC0, the frame with its 16-bit FCS, EOF
// 0xC1. BOF, EOF and the control escape 0x7D inside the frame are sent as 0x7D then the byte
// XOR 0x20. The FCS is HDLC's (RFC 1662): CRC-16/X.25, sent low byte first; over frame + FCS
// it leaves the residue 0xF0B8. The frame carries one APDU, the same as the NFC link.
// The receiver is a small state machine fed byte by byte from the UART: HUNT -> DATA <-> ESCAPE.

export const XBOF = 0xff
export const BOF = 0xc0
export const EOF = 0xc1
export const CE = 0x7d
const ESCAPE_XOR = 0x20
const FCS_GOOD_RESIDUE = 0xf0b8
/** Largest frame content accepted (an APDU of 255 data bytes plus header, with margin). */
export const MAX_SIR_FRAME = 300

/** CRC-16/X.25 register update (reflected polynomial 0x8408), byte by byte. */
export function fcs16Update(fcs: number, b: number): number {
    fcs ^= b
    for (let i = 0; i < 8; i++) fcs = (fcs & 1) !== 0 ? (fcs >>> 1) ^ 0x8408 : fcs >>> 1
    return fcs
}

/** The FCS to send for `data` (ones' complement of the register). */
export function fcs16(data: Buffer): number {
    let fcs = 0xffff
    for (let i = 0; i < data.length; i++) fcs = fcs16Update(fcs, data[i])
    return fcs ^ 0xffff
}

/** One frame on the wire: `extraBofs` XBOFs, BOF, escaped content and FCS, EOF. */
export function encodeSirFrame(content: Buffer, extraBofs: number): Buffer {
    if (content.length > MAX_SIR_FRAME) throw new RangeError("SIR frame over " + MAX_SIR_FRAME + " bytes")
    const fcs = fcs16(content)
    const body: number[] = []
    const n = content.length
    for (let i = 0; i < n + 2; i++) {
        const b = i < n ? content[i] : i === n ? fcs & 0xff : fcs >>> 8
        if (b === BOF || b === EOF || b === CE) {
            body.push(CE)
            body.push(b ^ ESCAPE_XOR)
        } else body.push(b)
    }
    const out = Buffer.alloc(extraBofs + 2 + body.length)
    for (let i = 0; i < extraBofs; i++) out[i] = XBOF
    out[extraBofs] = BOF
    for (let i = 0; i < body.length; i++) out[extraBofs + 1 + i] = body[i]
    out[out.length - 1] = EOF
    return out
}

export const SIR_HUNT = 0
export const SIR_DATA = 1
export const SIR_ESCAPE = 2

/** What the receiver made of the bytes so far: whole frames, and counted errors. */
export interface SirEvents {
    frame(content: Buffer): void
    /** A frame was dropped: bad FCS, too long, too short, or aborted (CE then EOF). */
    dropped(reason: string): void
}

export class SirReceiver {
    state = SIR_HUNT
    private buf: Buffer = Buffer.alloc(MAX_SIR_FRAME + 2)
    private len = 0

    constructor(private readonly events: SirEvents) {}

    /** Bytes from the UART, in order; any input is accepted, nothing throws. */
    push(bytes: Buffer): void {
        const events = this.events
        for (let i = 0; i < bytes.length; i++) {
            let b = bytes[i]
            if (b === BOF) {
                // A BOF always starts a frame; one arriving mid-frame abandons the frame before it.
                if (this.state !== SIR_HUNT && this.len > 0) events.dropped("frame cut by a new BOF")
                this.state = SIR_DATA
                this.len = 0
            } else if (this.state === SIR_HUNT) {
                // between frames: ignored
            } else if (b === EOF) {
                const len = this.len
                let why = this.state === SIR_ESCAPE ? "aborted (CE EOF)" : len < 2 ? "frame too short" : ""
                if (why === "") {
                    let fcs = 0xffff
                    for (let j = 0; j < len; j++) fcs = fcs16Update(fcs, this.buf[j])
                    if (fcs !== FCS_GOOD_RESIDUE) why = "bad FCS"
                }
                if (why !== "") events.dropped(why)
                else {
                    const content = Buffer.alloc(len - 2)
                    content.set(this.buf.slice(0, len - 2), 0)
                    events.frame(content)
                }
                this.state = SIR_HUNT
            } else if (this.state !== SIR_ESCAPE && b === CE) this.state = SIR_ESCAPE
            else {
                if (this.state === SIR_ESCAPE) b ^= ESCAPE_XOR
                this.state = SIR_DATA
                if (this.len >= this.buf.length) {
                    events.dropped("frame too long")
                    this.state = SIR_HUNT
                } else this.buf[this.len++] = b
            }
        }
    }
}
