// Deploying a bytecode image to a DeviceScript runtime over Jacdac, as DeviceScript's own tools
// do (jacdac spec "devicescript-manager"): stop the program, DeployBytecode with the image size
// (the answer names a pipe port), the image through the pipe in acknowledged 224-byte packets,
// close the pipe, start the program again.

import { SimDevice } from "../jacdac/sim-device"
import { CMD_SET_REG } from "../jacdac/peripherals"
import { BusClient } from "./bus-client"

export const SRV_DEVICESCRIPT_MANAGER = 288680491
const CMD_DEPLOY_BYTECODE = 0x80
const REG_RUNNING = 0x80
const REG_AUTOSTART = 0x81
const JD_SERVICE_INDEX_PIPE = 0x3e
const PIPE_PORT_SHIFT = 7
const PIPE_COUNTER_MASK = 0x1f
const PIPE_CLOSE = 0x20
const CHUNK = 224

export async function deployBytecode(bus: BusClient, from: SimDevice, deviceId: string, image: Buffer): Promise<void> {
    const flag = (on: boolean) => Buffer.from([on ? 1 : 0])
    await bus.watcher.send(from, deviceId, SRV_DEVICESCRIPT_MANAGER, CMD_SET_REG | REG_AUTOSTART, flag(false))
    await bus.watcher.send(from, deviceId, SRV_DEVICESCRIPT_MANAGER, CMD_SET_REG | REG_RUNNING, flag(false))
    const size = Buffer.alloc(4)
    size.writeUInt32LE(image.length, 0)
    const answer = await bus.watcher.request(from, deviceId, SRV_DEVICESCRIPT_MANAGER, CMD_DEPLOY_BYTECODE, size, (p) => p.length >= 2, 5000)
    const port = answer.readUInt16LE(0)
    if (port === 0) throw new Error(`device ${deviceId} refused the deployment`)
    let count = 0
    for (let o = 0; o < image.length; o += CHUNK) {
        const command = (port << PIPE_PORT_SHIFT) | (count++ & PIPE_COUNTER_MASK)
        await bus.sendWithAck(deviceId, { serviceIndex: JD_SERVICE_INDEX_PIPE, command, payload: image.subarray(o, o + CHUNK) })
    }
    await bus.sendWithAck(deviceId, { serviceIndex: JD_SERVICE_INDEX_PIPE, command: (port << PIPE_PORT_SHIFT) | PIPE_CLOSE | (count & PIPE_COUNTER_MASK), payload: Buffer.alloc(0) })
    await bus.watcher.send(from, deviceId, SRV_DEVICESCRIPT_MANAGER, CMD_SET_REG | REG_AUTOSTART, flag(true))
    await bus.watcher.send(from, deviceId, SRV_DEVICESCRIPT_MANAGER, CMD_SET_REG | REG_RUNNING, flag(true))
}
