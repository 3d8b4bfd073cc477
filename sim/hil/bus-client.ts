// A Jacdac bus reached over TCP as a client: `devs devtools --serial` bridges the boards on USB
// serial to 127.0.0.1:8082, and the simulator's JacdacHub listens there too (which is how the
// hardware-in-the-loop driver is itself tested without boards). Node devices (SimDevice) join the
// bus through it; every frame is shown to a BusWatcher. Commands that ask for an ACK wait for it.

import { connect, Socket } from "node:net"
import { decodeJdFrame, encodeJdFrame, JD_FRAME_FLAG_ACK_REQUESTED, JD_FRAME_FLAG_COMMAND, JD_SERVICE_INDEX_CRC_ACK, JdPacket } from "../jacdac/frame"
import { SimDevice } from "../jacdac/sim-device"
import { BusWatcher } from "../simulator/remote-service"
import { encodeFrame, splitFrames } from "../vm/jacdac-hub"

export class BusClient {
    readonly watcher = new BusWatcher()
    private readonly devices: SimDevice[] = []
    private rest = Buffer.alloc(0)
    private acks: { deviceId: string; crc: number; resolve: () => void }[] = []
    /** Every frame seen, for whoever needs more than the watcher (logs, ACKs). */
    onFrame: (frame: Buffer) => void = () => {}

    private constructor(private readonly sock: Socket) {
        sock.setNoDelay(true)
        sock.on("data", (d: Buffer) => {
            const { frames, rest } = splitFrames(Buffer.concat([this.rest, d]))
            this.rest = Buffer.from(rest)
            for (const f of frames) this.deliver(Buffer.from(f), null)
        })
    }

    static connect(host: string, port: number, timeoutMs = 5000): Promise<BusClient> {
        return new Promise((resolve, reject) => {
            const sock = connect(port, host)
            const timer = setTimeout(() => {
                sock.destroy()
                reject(new Error(`no Jacdac bus at ${host}:${port}`))
            }, timeoutMs)
            sock.once("connect", () => {
                clearTimeout(timer)
                resolve(new BusClient(sock))
            })
            sock.once("error", (e) => {
                clearTimeout(timer)
                reject(e)
            })
        })
    }

    /** A Node device on the bus: its frames go out, and it hears everyone's. */
    attach(d: SimDevice): void {
        this.devices.push(d)
        d.onSend = (frame) => {
            this.sock.write(encodeFrame(frame))
            this.deliver(frame, d)
        }
        d.start()
    }

    private deliver(frame: Buffer, from: SimDevice | null): void {
        const f = decodeJdFrame(frame)
        if (!f) return
        this.watcher.observe(f)
        this.onFrame(frame)
        if (!(f.flags & JD_FRAME_FLAG_COMMAND)) {
            for (const p of f.packets) {
                if (p.serviceIndex !== JD_SERVICE_INDEX_CRC_ACK) continue
                const hit = this.acks.find((a) => a.deviceId === f.deviceId && a.crc === p.command)
                if (hit) {
                    this.acks = this.acks.filter((a) => a !== hit)
                    hit.resolve()
                }
            }
        }
        for (const d of this.devices) if (d !== from) d.receive(frame)
    }

    /** A command to `deviceId` that must be acknowledged (pipes): sent again until it is, or fails. */
    async sendWithAck(deviceId: string, packet: JdPacket, tries = 4, waitMs = 300): Promise<void> {
        const frame = encodeJdFrame({ flags: JD_FRAME_FLAG_COMMAND | JD_FRAME_FLAG_ACK_REQUESTED, deviceId, packets: [packet] })
        const crc = frame.readUInt16LE(0)
        for (let attempt = 0; attempt < tries; attempt++) {
            const acked = new Promise<boolean>((resolve) => {
                const timer = setTimeout(() => resolve(false), waitMs)
                this.acks.push({ deviceId, crc, resolve: () => (clearTimeout(timer), resolve(true)) })
            })
            this.sock.write(encodeFrame(frame))
            if (await acked) return
        }
        throw new Error(`device ${deviceId} did not acknowledge`)
    }

    close(): void {
        for (const d of this.devices) d.stop()
        this.sock.destroy()
    }
}
