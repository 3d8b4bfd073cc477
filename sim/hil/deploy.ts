// Deploying a bytecode image to a DeviceScript runtime over Jacdac, as DeviceScript's own tools
// do (jacdac spec "devicescript-manager"): stop the program, DeployBytecode with the image size
// (the answer names a pipe port), the image through the pipe in acknowledged 224-byte packets,
// close the pipe, start the program again.

import { SimDevice } from "../jacdac/sim-device"
import { CMD_SET_REG } from "../jacdac/frame"
import { BusClient } from "./bus-client"

export const SRV_DEVICESCRIPT_MANAGER = 288680491
const CMD_DEPLOY_BYTECODE = 0x80
const REG = { running: 0x80, autostart: 0x81 }
/** Bytes of the image per pipe packet. */
const CHUNK = 224
const JD_SERVICE_INDEX_PIPE = 0x3e

/** Service command of a pipe packet: the port, a 5-bit packet counter, and the close flag on the last. */
function pipeCommand(port: number, count: number, close = false): number {
    return (port << 7) | (close ? 0x20 : 0) | (count & 0x1f)
}

export async function deployBytecode(bus: BusClient, from: SimDevice, deviceId: string, image: Buffer): Promise<void> {
    const flag = (on: boolean) => Buffer.from([on ? 1 : 0])
    await bus.watcher.send(from, deviceId, SRV_DEVICESCRIPT_MANAGER, CMD_SET_REG | REG.autostart, flag(false))
    await bus.watcher.send(from, deviceId, SRV_DEVICESCRIPT_MANAGER, CMD_SET_REG | REG.running, flag(false))
    const size = Buffer.alloc(4)
    size.writeUInt32LE(image.length, 0)
    const answer = await bus.watcher.request(from, deviceId, SRV_DEVICESCRIPT_MANAGER, CMD_DEPLOY_BYTECODE, size, (p) => p.length >= 2, 5000)
    const port = answer.readUInt16LE(0)
    if (port === 0) throw new Error(`device ${deviceId} refused the deployment`)
    let count = 0
    for (let o = 0; o < image.length; o += CHUNK) {
        await bus.sendWithAck(deviceId, { serviceIndex: JD_SERVICE_INDEX_PIPE, command: pipeCommand(port, count++), payload: image.subarray(o, o + CHUNK) })
    }
    await bus.sendWithAck(deviceId, { serviceIndex: JD_SERVICE_INDEX_PIPE, command: pipeCommand(port, count, true), payload: Buffer.alloc(0) })
    await bus.watcher.send(from, deviceId, SRV_DEVICESCRIPT_MANAGER, CMD_SET_REG | REG.autostart, flag(true))
    await bus.watcher.send(from, deviceId, SRV_DEVICESCRIPT_MANAGER, CMD_SET_REG | REG.running, flag(true))
}
