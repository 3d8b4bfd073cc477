// The terminal side of the Card Link service: an ApduLink over the Jacdac role. Each APDU goes
// out with a sequence byte; its answer comes back as the command's report with the same byte.
// A lost frame is retransmitted with the same sequence (the card answers it once); no answer after
// the last try means the card left the field (LinkLostError), which the terminal shows as
// "CARD REMOVED".

import * as ds from "@devicescript/core"
import { ApduLink, LinkLostError } from "../../src/link/apdu-link"
import { concat, copyOf } from "../../src/bytes"

/** Commands are chained here so that a command APDU fits one Jacdac packet. */
export const LINK_MAX_COMMAND_DATA = 200

export class CardLinkClient implements ApduLink {
    private answer: Buffer | null = null
    private seq = 0

    constructor(
        private readonly role: ds.CardLink,
        /** Wait for one answer before sending the frame again. */
        private readonly retryMs: number,
        private readonly tries: number,
    ) {
        const self = this
        role.report().subscribe(async (pkt: ds.Packet) => {
            if (pkt.serviceCommand === ds.CardLinkCodes.CmdTransceive && pkt.payload.length >= 1 && pkt.payload[0] === self.seq) self.answer = pkt.payload
        })
    }

    async transceive(apdu: Buffer): Promise<Buffer> {
        return await this.exchange(apdu, this.retryMs, this.tries)
    }

    /**
     * Card detection, as a reader polls for a target: one short exchange (a SELECT) that a card
     * in the field answers. A card that just left may still be bound for a moment; it does not answer.
     */
    async probe(apdu: Buffer, waitMs: number): Promise<boolean> {
        if (!this.role.isBound) return false
        try {
            await this.exchange(apdu, waitMs, 1)
            return true
        } catch (e) {
            return false
        }
    }

    private async exchange(apdu: Buffer, retryMs: number, tries: number): Promise<Buffer> {
        if (!this.role.isBound) throw new LinkLostError("no card in the field")
        this.seq = (this.seq + 1) & 0xff
        const head = Buffer.alloc(1)
        head[0] = this.seq
        const frame = concat([head, apdu])
        this.answer = null
        for (let attempt = 0; attempt < tries; attempt++) {
            await this.role.transceive(frame)
            for (let waited = 0; waited < retryMs; waited += 5) {
                const a = this.answer
                if (a !== null) {
                    this.answer = null
                    return copyOf(a, 1, a.length)
                }
                await ds.sleep(5)
            }
            if (!this.role.isBound) break
        }
        throw new LinkLostError("the card stopped answering")
    }
}
