// The bus port: ACTIVECARD_BUS_PORT moves the hub and, through the preload, the VM's connection
// that the DeviceScript CLI fixes at 127.0.0.1:8082.

import { execFile, execFileSync } from "node:child_process"
import { createServer } from "node:net"
import { join } from "node:path"
import { describe, expect, test } from "vitest"
import { busPort, DEVS_TCP_PORT } from "../../sim/vm/bus-port"
import { ROOT } from "../../sim/vm/devs-cli"

describe("bus port", () => {
    test("8082 unless ACTIVECARD_BUS_PORT says otherwise; a bad value is refused", () => {
        expect(busPort({})).toBe(DEVS_TCP_PORT)
        expect(busPort({ ACTIVECARD_BUS_PORT: "" })).toBe(8082)
        expect(busPort({ ACTIVECARD_BUS_PORT: "8182" })).toBe(8182)
        for (const bad of ["0", "65536", "80a", "-1", "8082.5"]) expect(() => busPort({ ACTIVECARD_BUS_PORT: bad }), bad).toThrow(/not a TCP port/)
    })

    test("the preload sends the CLI's connection to 127.0.0.1:8082 to the bus port, and no other", async () => {
        const server = createServer((s) => s.end("bus\n"))
        await new Promise<void>((r) => server.listen(0, "127.0.0.1", r))
        const port = (server.address() as { port: number }).port
        try {
            // The child connects as the VM's transport does, then to 127.0.0.2:8082, which must stay unchanged.
            const script = `
                const net = require("node:net")
                const s = net.createConnection(8082, "127.0.0.1", () => {})
                s.on("data", (d) => { process.stdout.write("moved " + d); s.end()
                    const t = net.createConnection(8082, "127.0.0.2")
                    t.on("error", (e) => { console.log("other " + e.code); process.exit(0) })
                    t.on("connect", () => { console.log("other connected"); process.exit(0) })
                })`
            const out = await new Promise<string>((resolve, reject) => {
                execFile(process.execPath, ["--require", join(ROOT, "sim/vm/devs-bus-port.cjs"), "-e", script], { env: { ...process.env, ACTIVECARD_BUS_PORT: String(port) }, timeout: 20_000 }, (e, stdout) => (e ? reject(e) : resolve(stdout)))
            })
            expect(out).toMatch(/^moved bus\n/)
            expect(out).toMatch(/other (ECONNREFUSED|connected)/)
        } finally {
            server.close()
        }
    })

    test("the preload refuses to start without a valid port", () => {
        expect(() => execFileSync(process.execPath, ["--require", join(ROOT, "sim/vm/devs-bus-port.cjs"), "-e", "0"], { env: { ...process.env, ACTIVECARD_BUS_PORT: "x" }, stdio: "pipe" })).toThrow(/not a TCP port/)
    })
})
