// The TCP port of the Jacdac bus on 127.0.0.1. The DeviceScript CLI's `devs run --tcp` always
// connects to 8082; ACTIVECARD_BUS_PORT moves a whole bus (the hub, and the VMs this process
// starts, through sim/vm/devs-bus-port.cjs) to another port, so that several simulators run side
// by side, as the test suite's bus projects do.

export const DEVS_TCP_PORT = 8082

/** The bus port for this process: ACTIVECARD_BUS_PORT when set, else the CLI's 8082. */
export function busPort(env: Record<string, string | undefined> = process.env): number {
    const given = env.ACTIVECARD_BUS_PORT
    if (given === undefined || given === "") return DEVS_TCP_PORT
    const port = Number(given)
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new RangeError(`ACTIVECARD_BUS_PORT is not a TCP port: ${given}`)
    return port
}
