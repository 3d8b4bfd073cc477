// A Jacdac device hosted in Node: announces its services every 500 ms, hands commands addressed
// to it (or multicast to one of its service classes) to those services, sends their answers and
// events as reports from its own id, and ACKs frames that ask for it. Malformed input is ignored.

import {
    decodeJdFrame,
    encodeJdFrame,
    JD_CMD_EVENT_COUNTER_MASK,
    JD_CMD_EVENT_FLAG,
    JD_FRAME_FLAG_ACK_REQUESTED,
    JD_FRAME_FLAG_COMMAND,
    JD_FRAME_FLAG_IDENTIFIER_IS_SERVICE_CLASS,
    JD_SERVICE_INDEX_BROADCAST,
    JD_SERVICE_INDEX_CONTROL,
    JD_SERVICE_INDEX_CRC_ACK,
    JD_SERVICE_INDEX_MASK,
    JdFrame,
} from "./frame"

export const ANNOUNCE_INTERVAL_MS = 500
/** Control service command 0x0000: as a report, the announce; as a command, "announce now". */
const CONTROL_CMD_SERVICES = 0x0000
/** Announce flags above the restart counter (low 4 bits): what this device understands. */
const ANNOUNCE_SUPPORTS = { ack: 0x100, broadcast: 0x200, frames: 0x400 }
/** Frames of a newer layout that must be dropped (jacdac-c JD_FRAME_FLAG_VNEXT). */
const JD_FRAME_FLAG_VNEXT = 0x80

export interface SimService {
    readonly serviceClass: number
    /** One command for this service; returns the payload of a report with the same command, or null. */
    handle(command: number, payload: Buffer): Buffer | null
    /**
     * Gives the service the way to send reports (events, streamed readings) on its own. Events
     * are sent as eventCommand(code): the device stamps its event counter on them.
     */
    attach(emit: (command: number, payload: Buffer) => void): void
}

export class SimDevice {
    /** Where the device's frames go (a hub sets this when the device is attached). */
    onSend: (frame: Buffer) => void = () => {}
    private timer: NodeJS.Timeout | null = null
    // A peer that sees this counter go down thinks the device rebooted, so it only climbs to 15.
    private restartCounter = 0
    private receivedPackets = 0
    // One event counter for the whole device, as in jacdac-c: clients drop an event whose counter
    // they have already seen from this device, whichever service sent it.
    private eventCounter = 0

    constructor(
        readonly deviceId: string,
        readonly services: SimService[],
    ) {
        if (!/^[0-9a-f]{16}$/.test(deviceId)) throw new Error(`device id must be 16 lowercase hex digits: ${deviceId}`)
        if (services.length > 48) throw new Error("a Jacdac device has at most 48 services")
        services.forEach((s, i) => s.attach((command, payload) => this.sendServiceReport(i + 1, command, payload)))
    }

    start(): void {
        if (this.timer) return
        this.announce()
        this.timer = setInterval(() => this.announce(), ANNOUNCE_INTERVAL_MS)
    }

    stop(): void {
        if (this.timer) clearInterval(this.timer)
        this.timer = null
    }

    /** One frame from the bus; anything malformed or not for this device is ignored. */
    receive(frame: Buffer): void {
        const f = decodeJdFrame(frame)
        if (!f || f.flags & JD_FRAME_FLAG_VNEXT || !(f.flags & JD_FRAME_FLAG_COMMAND)) return
        if (f.flags & JD_FRAME_FLAG_IDENTIFIER_IS_SERVICE_CLASS) this.receiveMulticast(f)
        else if (f.deviceId === this.deviceId) this.receiveCommand(f, frame)
    }

    private receiveCommand(f: JdFrame, raw: Buffer): void {
        // Acknowledged before the commands run, as jacdac-c does.
        if (f.flags & JD_FRAME_FLAG_ACK_REQUESTED) this.sendReport(JD_SERVICE_INDEX_CRC_ACK, raw[0] | (raw[1] << 8), Buffer.alloc(0))
        for (const p of f.packets) {
            this.countPacket()
            const index = p.serviceIndex & JD_SERVICE_INDEX_MASK
            if (index === JD_SERVICE_INDEX_CONTROL) this.handleControl(p.command)
            else if (index <= this.services.length) this.dispatch(index, p.command, p.payload)
        }
    }

    /** A command to every service of one class: the class is the identifier's first 4 bytes. */
    private receiveMulticast(f: JdFrame): void {
        const serviceClass = Buffer.from(f.deviceId, "hex").readUInt32LE(0)
        for (const p of f.packets) {
            this.countPacket()
            if ((p.serviceIndex & JD_SERVICE_INDEX_MASK) !== JD_SERVICE_INDEX_BROADCAST) continue
            this.services.forEach((s, i) => {
                if (s.serviceClass === serviceClass) this.dispatch(i + 1, p.command, p.payload)
            })
        }
    }

    private dispatch(index: number, command: number, payload: Buffer): void {
        let answer: Buffer | null = null
        try {
            answer = this.services[index - 1].handle(command, payload)
        } catch {
            return // a service that chokes on a malformed payload just does not answer
        }
        if (answer) this.sendReport(index, command, answer)
    }

    private handleControl(command: number): void {
        if (command === CONTROL_CMD_SERVICES) this.announce()
        // Other control commands and registers (identify, reset, uptime...) are not simulated.
    }

    private countPacket(): void {
        if (this.receivedPackets < 0xff) this.receivedPackets++
    }

    private announce(): void {
        if (this.restartCounter < 0x0f) this.restartCounter++
        const payload = Buffer.alloc(4 + 4 * this.services.length)
        payload.writeUInt16LE(this.restartCounter | ANNOUNCE_SUPPORTS.ack | ANNOUNCE_SUPPORTS.broadcast | ANNOUNCE_SUPPORTS.frames, 0)
        payload[2] = this.receivedPackets // packets received since the previous announce
        this.receivedPackets = 0
        this.services.forEach((s, i) => payload.writeUInt32LE(s.serviceClass >>> 0, 4 + 4 * i))
        this.sendReport(JD_SERVICE_INDEX_CONTROL, CONTROL_CMD_SERVICES, payload)
    }

    /** A report a service sends on its own; an event gets the device's next event counter. */
    private sendServiceReport(serviceIndex: number, command: number, payload: Buffer): void {
        if (command & JD_CMD_EVENT_FLAG) {
            this.eventCounter = (this.eventCounter + 1) & JD_CMD_EVENT_COUNTER_MASK
            command = (command & ~(JD_CMD_EVENT_COUNTER_MASK << 8)) | (this.eventCounter << 8)
        }
        this.sendReport(serviceIndex, command, payload)
    }

    private sendReport(serviceIndex: number, command: number, payload: Buffer): void {
        this.onSend(encodeJdFrame({ flags: 0, deviceId: this.deviceId, packets: [{ serviceIndex, command, payload }] }))
    }
}
