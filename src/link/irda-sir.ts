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

function needsEscape(b: number): boolean {
    return b === BOF || b === EOF || b === CE
}

/** One frame on the wire: `extraBofs` XBOFs, BOF, escaped content and FCS, EOF. */
export function encodeSirFrame(content: Buffer, extraBofs: number): Buffer {
    if (content.length > MAX_SIR_FRAME) throw new RangeError("SIR frame over " + MAX_SIR_FRAME + " bytes")
    const fcs = fcs16(content)
    const body: number[] = []
    const push = (b: number) => {
        if (needsEscape(b)) {
            body.push(CE)
            body.push(b ^ ESCAPE_XOR)
        } else body.push(b)
    }
    for (let i = 0; i < content.length; i++) push(content[i])
    push(fcs & 0xff)
    push(fcs >>> 8)
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
        for (let i = 0; i < bytes.length; i++) this.byte(bytes[i])
    }

    private byte(b: number): void {
        if (b === BOF) {
            // A BOF always starts a frame; one arriving mid-frame abandons the frame before it.
            if (this.state !== SIR_HUNT && this.len > 0) this.events.dropped("frame cut by a new BOF")
            this.state = SIR_DATA
            this.len = 0
            return
        }
        if (this.state === SIR_HUNT) return
        if (b === EOF) {
            if (this.state === SIR_ESCAPE) this.events.dropped("aborted (CE EOF)")
            else this.finish()
            this.state = SIR_HUNT
            return
        }
        if (this.state === SIR_ESCAPE) {
            this.state = SIR_DATA
            b ^= ESCAPE_XOR
        } else if (b === CE) {
            this.state = SIR_ESCAPE
            return
        }
        if (this.len >= this.buf.length) {
            this.events.dropped("frame too long")
            this.state = SIR_HUNT
            return
        }
        this.buf[this.len++] = b
    }

    private finish(): void {
        if (this.len < 2) {
            this.events.dropped("frame too short")
            return
        }
        let fcs = 0xffff
        for (let i = 0; i < this.len; i++) fcs = fcs16Update(fcs, this.buf[i])
        if (fcs !== FCS_GOOD_RESIDUE) {
            this.events.dropped("bad FCS")
            return
        }
        const content = Buffer.alloc(this.len - 2)
        content.set(this.buf.slice(0, this.len - 2), 0)
        this.events.frame(content)
    }
}
