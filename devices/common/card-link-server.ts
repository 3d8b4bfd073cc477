// The card side of the Card Link service (services/cardlink.md): every APDU the terminal sends
// goes to the card's application and its answer goes back as the command's report. Each frame
// starts with the terminal's sequence byte (as an ISO 14443-4 block number): a frame repeated
// with the same sequence is a retransmission and gets the same answer without being run twice.
//
// The service is hosted through the runtime's server hooks directly rather than through
// @devicescript/server: a Card Link host needs only its control service's announce (sent every
// 500 ms and on request), reset, and the transceive command; the library's general server
// (register dispatch, events, a timer worker) would cost the card about 3 KB of bytecode.
// Other commands and register reads get the standard "not implemented" answer.

import * as ds from "@devicescript/core"
import { concat, copyOf } from "../../src/bytes"

/** Responses are cut here so that an answer APDU fits one Jacdac packet. */
export const LINK_MAX_RESPONSE = 200

export interface ApduApplication {
    process(apdu: Buffer): Promise<Buffer>
}

type ServerHooks = typeof ds & {
    _onServerPacket(pkt: ds.Packet): Promise<void>
    _serverSend(serviceIndex: number, pkt: ds.Packet): Promise<void>
}

/** The Card Link's service index on the hosted device (0 is its control service). */
const CARD_LINK_INDEX = 1
const CONTROL_CMD_ANNOUNCE = 0x00
const CONTROL_CMD_RESET = 0x01

export function serveCardLink(app: ApduApplication): void {
    const hooks = ds as ServerHooks
    const announce = ds.Control.spec.lookup("announce").response
    const transceive = ds.CardLink.spec.lookup("transceive").response
    let restarts = 1
    let lastSeq = -1
    let lastAnswer: Buffer | null = null
    let busySeq = -1

    /** The control service's announce: restart counter (steady at 15), ACK support, the Card Link class. */
    async function sendAnnounce(): Promise<void> {
        if (restarts < ds.ControlAnnounceFlags.RestartCounterSteady) restarts++
        await hooks._serverSend(0, announce.encode([restarts | ds.ControlAnnounceFlags.SupportsACK, 0, 0, ds.CardLink.spec.classIdentifier]))
    }

    hooks._onServerPacket = async (pkt: ds.Packet) => {
        if (pkt.isReport) return
        const index = pkt.serviceIndex
        const code = pkt.serviceCommand
        if (index === CARD_LINK_INDEX && code === ds.CardLinkCodes.CmdTransceive) {
            // The command's only field is the frame: its payload as it is. A frame with the
            // sequence of the last one is a retransmission: its answer again, not run twice.
            const frame = pkt.payload
            let a = Buffer.alloc(0)
            if (frame.length > 0) {
                const seq = frame[0]
                while (busySeq === seq) await ds.sleep(5)
                const last = lastAnswer
                if (seq === lastSeq && last !== null) a = last
                else {
                    busySeq = seq
                    const head = Buffer.alloc(1)
                    head[0] = seq
                    try {
                        a = concat([head, await app.process(copyOf(frame, 1, frame.length))])
                    } finally {
                        busySeq = -1
                    }
                    lastSeq = seq
                    lastAnswer = a
                }
            }
            await hooks._serverSend(CARD_LINK_INDEX, transceive.encode(a))
        } else if (index === 0 && code === CONTROL_CMD_ANNOUNCE) {
            await sendAnnounce()
        } else if (index === 0 && code === CONTROL_CMD_RESET) {
            ds.reboot()
        } else if (index <= CARD_LINK_INDEX) {
            await hooks._serverSend(index, pkt.notImplemented())
        }
    }

    async function announceForever(): Promise<void> {
        while (true) {
            await ds.sleep(500)
            await sendAnnounce()
        }
    }
    announceForever.start()
}
