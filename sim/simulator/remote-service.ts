// Node talking to a service hosted by a VM on the simulator's bus: it learns the VM's service
// indexes from its announces, sends commands from one of the simulator's own devices (so the
// hub's routing applies), and waits for the VM's reports.

import { encodeJdFrame, JD_FRAME_FLAG_COMMAND, JD_SERVICE_INDEX_CONTROL, JdFrame } from "../jacdac/frame"
import { SimDevice } from "../jacdac/sim-device"

export const SRV_SETTINGS = 285727818
export const SETTINGS_CMD_GET = 0x80
export const SETTINGS_CMD_SET = 0x81
export const SRV_CARD_LINK = 0x1a6c7d01
export const CARD_LINK_CMD_TRANSCEIVE = 0x80

interface Waiter {
    deviceId: string
    serviceIndex: number
    command: number
    accept: (payload: Buffer) => boolean
    resolve: (payload: Buffer) => void
}

/** Watches the bus for announces and reports; fed every decoded frame by the simulator. */
export class BusWatcher {
    private readonly services = new Map<string, number[]>()
    private waiters: Waiter[] = []

    observe(f: JdFrame): void {
        if (f.flags & JD_FRAME_FLAG_COMMAND) return
        for (const p of f.packets) {
            if (p.serviceIndex === JD_SERVICE_INDEX_CONTROL && p.command === 0 && p.payload.length >= 4) {
                const classes = [0]
                for (let o = 4; o + 4 <= p.payload.length; o += 4) classes.push(p.payload.readUInt32LE(o))
                this.services.set(f.deviceId, classes)
                continue
            }
            const hit = this.waiters.find((w) => w.deviceId === f.deviceId && w.serviceIndex === p.serviceIndex && w.command === p.command && w.accept(p.payload))
            if (hit) {
                this.waiters = this.waiters.filter((w) => w !== hit)
                hit.resolve(p.payload)
            }
        }
    }

    /** Devices that announced a service of this class. */
    devicesWith(serviceClass: number): string[] {
        return [...this.services.entries()].filter(([, classes]) => classes.indexOf(serviceClass) > 0).map(([id]) => id)
    }

    serviceIndex(deviceId: string, serviceClass: number): number {
        const classes = this.services.get(deviceId)
        return classes ? classes.indexOf(serviceClass) : -1
    }

    private async indexOf(deviceId: string, serviceClass: number, deadline: number): Promise<number> {
        let index = this.serviceIndex(deviceId, serviceClass)
        while (index < 0 && Date.now() < deadline) {
            await new Promise((r) => setTimeout(r, 20))
            index = this.serviceIndex(deviceId, serviceClass)
        }
        if (index < 0) throw new Error(`device ${deviceId} does not offer service 0x${serviceClass.toString(16)} (devices seen: ${[...this.services.entries()].map(([k, v]) => k + ":" + v.map((c) => c.toString(16)).join("/")).join(", ")})`)
        return index
    }

    /** Sends one command from `from` (one of the simulator's devices) to a VM's service. */
    async send(from: SimDevice, deviceId: string, serviceClass: number, command: number, payload: Buffer, timeoutMs = 3000): Promise<void> {
        const index = await this.indexOf(deviceId, serviceClass, Date.now() + timeoutMs)
        from.onSend(encodeJdFrame({ flags: JD_FRAME_FLAG_COMMAND, deviceId, packets: [{ serviceIndex: index, command, payload }] }))
    }

    /** Sends one command and resolves with the matching report (or rejects after the timeout). */
    async request(from: SimDevice, deviceId: string, serviceClass: number, command: number, payload: Buffer, accept: (p: Buffer) => boolean, timeoutMs: number): Promise<Buffer> {
        const deadline = Date.now() + timeoutMs
        const index = await this.indexOf(deviceId, serviceClass, deadline)
        return await new Promise<Buffer>((resolve, reject) => {
            const timer = setTimeout(() => {
                this.waiters = this.waiters.filter((w) => w !== waiter)
                reject(new Error(`no answer from ${deviceId} within ${timeoutMs} ms`))
            }, Math.max(1, deadline - Date.now()))
            const waiter: Waiter = {
                deviceId,
                serviceIndex: index,
                command,
                accept,
                resolve: (p) => {
                    clearTimeout(timer)
                    resolve(p)
                },
            }
            this.waiters.push(waiter)
            from.onSend(encodeJdFrame({ flags: JD_FRAME_FLAG_COMMAND, deviceId, packets: [{ serviceIndex: index, command, payload }] }))
        })
    }

    /**
     * Writes a setting into the VM's flash (what DeviceScript's tools do when they deploy settings).
     * Jacdac commands are unacknowledged and a busy VM can drop a frame, so the write is sent again
     * until a read-back returns it, as those tools do. Errors never carry the value: it may be a secret.
     */
    async writeSetting(from: SimDevice, deviceId: string, key: string, value: Buffer, attempts = 3): Promise<void> {
        const payload = Buffer.concat([Buffer.from(key + "\0", "utf8"), value])
        const keyMatches = (p: Buffer) => p.subarray(0, p.indexOf(0)).toString("utf8") === key
        let problem = ""
        for (let attempt = 0; attempt < attempts; attempt++) {
            // The settings service answers a set with nothing; a get afterwards proves it was stored.
            await this.send(from, deviceId, SRV_SETTINGS, SETTINGS_CMD_SET, payload)
            try {
                const back = await this.request(from, deviceId, SRV_SETTINGS, SETTINGS_CMD_GET, Buffer.from(key, "utf8"), keyMatches, 3000)
                if (back.subarray(back.indexOf(0) + 1).equals(value)) return
                problem = "another value was read back"
            } catch (e) {
                problem = (e as Error).message
            }
        }
        throw new Error(`setting ${key} was not stored after ${attempts} attempts: ${problem}`)
    }

    /** One APDU over the Card Link service, as a terminal would send it. */
    async transceive(from: SimDevice, deviceId: string, seq: number, apdu: Buffer, timeoutMs: number): Promise<Buffer> {
        const frame = Buffer.concat([Buffer.from([seq & 0xff]), apdu])
        const answer = await this.request(from, deviceId, SRV_CARD_LINK, CARD_LINK_CMD_TRANSCEIVE, frame, (p) => p.length >= 1 && p[0] === (seq & 0xff), timeoutMs)
        return answer.subarray(1)
    }
}
