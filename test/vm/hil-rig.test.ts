// The hardware-in-the-loop driver (`npm run test:hil`, sim/hil/) without the hardware: two empty
// DeviceScript VMs wait on the simulator's bus as freshly flashed boards do, and the driver does
// everything it does to real boards but the USB bridge: deploys both images over Jacdac (pipe
// with acknowledgements), writes the terminal's settings, personalizes the card over its Card
// Link service, and runs its flows through the rig's keypad and screen. Also: with no boards and
// no bus it says so and exits 0.

import { afterAll, describe, expect, test } from "vitest"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { HUB_PORT, JacdacHub } from "../../sim/vm/jacdac-hub"
import { BusDevice, startEmptyOnBus } from "../../sim/vm/devs-cli"
import { main } from "../../sim/hil/main"
import { findBoards } from "../../sim/hil/usb-serial"

const CARD = "ac000000000c0a01"
const TERMINAL = "ac000000000c0a02"

describe.sequential("test:hil", () => {
    const lines: string[] = []
    const log = console.log
    let hub: JacdacHub | null = null
    const vms: BusDevice[] = []
    const dataDir = mkdtempSync(join(tmpdir(), "activecard-hil-"))

    afterAll(async () => {
        console.log = log
        vms.forEach((v) => v.stop())
        await hub?.stop()
        rmSync(dataDir, { recursive: true, force: true })
    })

    test("no boards attached: it says so and exits 0", async () => {
        console.log = (l: string) => lines.push(l)
        try {
            expect(await main({ PATH: process.env.PATH, ACTIVECARD_HIL_PORTS: "" })).toBe(0)
        } finally {
            console.log = log
        }
        if (findBoards({}).length === 0) expect(lines.join("\n")).toMatch(/no boards attached/)
    })

    test("ACTIVECARD_HIL_PORTS names the ports to use", () => {
        expect(findBoards({ ACTIVECARD_HIL_PORTS: "/dev/ttyACM0,/dev/ttyUSB1" }).map((b) => b.path)).toEqual(["/dev/ttyACM0", "/dev/ttyUSB1"])
    })

    test("two empty VMs as the boards: deployed, configured, personalized, and the flows pass", async () => {
        hub = new JacdacHub()
        await hub.start(HUB_PORT, 900_000) // the other VM suites hold the port in turn
        vms.push(startEmptyOnBus(CARD), startEmptyOnBus(TERMINAL))
        lines.length = 0
        console.log = (l: string) => lines.push(l)
        let code = -1
        try {
            code = await main({ PATH: process.env.PATH, ACTIVECARD_HIL_BUS: `127.0.0.1:${HUB_PORT}`, ACTIVECARD_HIL_CARD: CARD, ACTIVECARD_HIL_TERMINAL: TERMINAL, ACTIVECARD_HIL_DATA: dataDir })
        } finally {
            console.log = log
        }
        const out = lines.join("\n")
        expect(code, out).toBe(0)
        expect(out).toMatch(/PASS {2}an approved payment: APPROVED \d{6}/)
        expect(out).toMatch(/PASS {2}a wrong PIN is refused, then the right one pays: WRONG PIN/)
        expect(out).toMatch(/PASS {2}the server down/)
        expect(out).toMatch(/test:hil: 3 passed, 0 failed/)
        // The images really went over the bus: each VM runs the program it was sent.
        expect(vms[0].lines().some((l) => l.startsWith("CARD READY"))).toBe(true)
        expect(vms[1].lines().some((l) => l.startsWith("TERMINAL READY"))).toBe(true)
        // Nothing secret in what the driver printed.
        expect(out).not.toMatch(/srv\.secret|[0-9a-f]{32}/)
    }, 1_200_000)
})
