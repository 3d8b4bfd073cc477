// `npm run test:hil`: the simulator's payment flows on real boards. Finds ESP32 boards on USB
// serial; with none attached it says so and exits 0. Otherwise it builds both firmwares, bridges
// the boards' Jacdac bus with `devs devtools --serial`, deploys the card and terminal images,
// connects the terminal to Wi-Fi, starts the payment server, provisions and personalizes, and
// runs the flows, each reported PASS or FAIL (exit 1 on any failure). README: "Hardware in the loop".
//   ACTIVECARD_WIFI_SSID, ACTIVECARD_WIFI_PASSWORD   the network the terminal joins (required)
//   ACTIVECARD_SERVER_HOST   this machine's address on that network (default: its first LAN IPv4)
//   ACTIVECARD_HIL_PORTS     serial ports to use instead of searching (comma-separated)
//   ACTIVECARD_HIL_BUS       host:port of a Jacdac bus already bridged (skips devtools)
//   ACTIVECARD_HIL_CARD, ACTIVECARD_HIL_TERMINAL   device ids, when the runtimes were flashed
//                            with other board definitions than boards/*.board.json
//   ACTIVECARD_HIL_DATA      the server's data folder (default data/hil-<time>, kept for a look)

import { spawn, ChildProcess } from "node:child_process"
import { mkdirSync } from "node:fs"
import { networkInterfaces } from "node:os"
import { join } from "node:path"
import { buildFirmware } from "../simulator/firmware"
import { ROOT } from "../vm/devs-cli"
import { BusClient } from "./bus-client"
import { findBoards } from "./usb-serial"
import { Rig } from "./rig"

const say = (line: string) => console.log(line)

function lanAddress(): string {
    for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) if (a.family === "IPv4" && !a.internal) return a.address
    return "127.0.0.1"
}

async function connectWithRetry(host: string, port: number, timeoutMs: number): Promise<BusClient> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
        try {
            return await BusClient.connect(host, port, 2000)
        } catch (e) {
            if (Date.now() > deadline) throw e
            await new Promise((r) => setTimeout(r, 500))
        }
    }
}

export async function main(env = process.env): Promise<number> {
    const boards = findBoards(env)
    const busGiven = env.ACTIVECARD_HIL_BUS
    if (boards.length === 0 && !busGiven) {
        say("test:hil: no boards attached (looked for ESP32 USB serial ports: Espressif USB, CP210x, CH34x, FTDI). Nothing to run.")
        say("         Attach the card and terminal boards (README, \"Hardware in the loop\") and run it again.")
        return 0
    }
    if (!busGiven && boards.length < 2) {
        say(`test:hil: found ${boards.map((b) => `${b.path} (${b.description})`).join(", ")}; the flows need both the card and the terminal board.`)
        return 1
    }
    const ssid = env.ACTIVECARD_WIFI_SSID ?? ""
    if (!busGiven && ssid === "") {
        say("test:hil: set ACTIVECARD_WIFI_SSID and ACTIVECARD_WIFI_PASSWORD: the terminal reaches the payment server over Wi-Fi.")
        return 1
    }
    say(`boards: ${boards.map((b) => `${b.path} (${b.description})`).join(", ") || "(bus given)"}`)
    say("building firmware...")
    const firmware = await buildFirmware()
    let devtools: ChildProcess | null = null
    if (!busGiven) {
        devtools = spawn(process.execPath, [join(ROOT, "node_modules/@devicescript/cli/devicescript"), "devtools", "--serial"], { cwd: ROOT, stdio: "ignore" })
    }
    const [host, port] = (busGiven ?? "127.0.0.1:8082").split(":")
    const bus = await connectWithRetry(host, parseInt(port), 30_000)
    const dataDir = env.ACTIVECARD_HIL_DATA ?? join(ROOT, "data", "hil-" + Date.now())
    mkdirSync(dataDir, { recursive: true })
    const rig = new Rig({ firmware, bus, dataDir, wifi: ssid !== "" ? { ssid, password: env.ACTIVECARD_WIFI_PASSWORD ?? "" } : null, serverHost: env.ACTIVECARD_SERVER_HOST ?? (busGiven ? "127.0.0.1" : lanAddress()), log: (l) => say("  " + l) })
    const results: [string, boolean, string][] = []
    try {
        if (env.ACTIVECARD_HIL_CARD && env.ACTIVECARD_HIL_TERMINAL) {
            rig.card = env.ACTIVECARD_HIL_CARD
            rig.terminal = env.ACTIVECARD_HIL_TERMINAL
        } else await rig.findBoards(60_000)
        say(`card ${rig.card}, terminal ${rig.terminal}: deploying ${firmware.card.imageBytes} + ${firmware.terminal.imageBytes} bytes`)
        await rig.deploy()
        await rig.startServer()
        const address = await rig.connectTerminal(90_000)
        say(`terminal on the network at ${address}; provisioning and personalizing`)
        await rig.provision(address)
        say("the card must stay on the terminal's reader (or in sight of its infrared port) from now on")
        const flow = async (name: string, run: () => Promise<string>) => {
            try {
                results.push([name, true, await run()])
            } catch (e) {
                results.push([name, false, (e as Error).message])
            }
            const [, ok, detail] = results[results.length - 1]
            say(`${ok ? "PASS" : "FAIL"}  ${name}: ${detail.replace(/\n/g, " | ")}`)
        }
        const expect = (ok: boolean, what: string) => {
            if (!ok) throw new Error(what)
        }
        await flow("an approved payment", async () => {
            const r = await rig.sale(1200, rig.pin)
            expect(r.approved, r.display)
            return r.display
        })
        await flow("a wrong PIN is refused, then the right one pays", async () => {
            const wrong = rig.pin === "0000" ? "1111" : "0000"
            const r = await rig.sale(1300, wrong)
            expect(/^WRONG PIN/.test(r.display), r.display)
            const again = await rig.sale(1300, rig.pin)
            expect(again.approved, again.display)
            return r.display + " then " + again.display
        })
        await flow("the server down: not approved; back up: approved", async () => {
            await rig.stopServer()
            const r = await rig.sale(1400, rig.pin)
            await rig.startServer()
            expect(/^SERVER UNREACHABLE/.test(r.display), r.display)
            const again = await rig.sale(1400, rig.pin)
            expect(again.approved, again.display)
            return r.display + " then " + again.display
        })
    } catch (e) {
        say("test:hil: set-up failed: " + (e as Error).message)
        results.push(["set-up", false, (e as Error).message])
    } finally {
        await rig.stop()
        devtools?.kill()
    }
    const failed = results.filter(([, ok]) => !ok).length
    say(`test:hil: ${results.length - failed} passed, ${failed} failed`)
    return failed > 0 ? 1 : 0
}

if (import.meta.url === `file://${process.argv[1]}`) process.exit(await main())
