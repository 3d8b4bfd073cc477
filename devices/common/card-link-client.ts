// The terminal side of the Card Link service: an ApduLink over the Jacdac role. The answer to a
// transceive command comes back as its report; no report within the timeout means the card left
// the field (LinkLostError), which the terminal turns into "CARD REMOVED".

import * as ds from "@devicescript/core"
import { ApduLink } from "../../src/terminal/apdu-card-port"
import { LinkLostError } from "../../src/terminal/terminal-relay"

/** Commands are chained here so that a command APDU fits one Jacdac packet. */
export const LINK_MAX_COMMAND_DATA = 200

export class CardLinkClient implements ApduLink {
    private answer: Buffer | null = null

    constructor(
        private readonly role: ds.CardLink,
        private readonly timeoutMs: number,
    ) {
        const self = this
        role.report().subscribe(async (pkt: ds.Packet) => {
            if (pkt.serviceCommand === ds.CardLinkCodes.CmdTransceive) self.answer = pkt.payload
        })
    }

    async transceive(apdu: Buffer): Promise<Buffer> {
        if (!this.role.isBound) throw new LinkLostError("no card in the field")
        this.answer = null
        await this.role.transceive(apdu)
        for (let waited = 0; waited < this.timeoutMs; waited += 5) {
            const a = this.answer
            if (a !== null) {
                this.answer = null
                return a
            }
            await ds.sleep(5)
        }
        throw new LinkLostError("the card stopped answering")
    }
}
