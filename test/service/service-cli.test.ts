// `npm run service -- account`, `-- terminal` and `-- machine`: a generated token goes to a 0600
// file and never to the screen, and the service takes it from then on.

import { execFile } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { promisify } from "node:util"
import { afterAll, expect, test } from "vitest"
import { tokenSha256 } from "../../sim/service/service-server"
import { ServiceStore } from "../../sim/service/service-store"

const run = promisify(execFile)
const dir = mkdtempSync(join(tmpdir(), "activecard-service-cli-"))
const data = join(dir, "service")

afterAll(() => rmSync(dir, { recursive: true, force: true }))

function service(args: string[]) {
    return run(process.execPath, ["--import", "tsx", "sim/service/main.ts", ...args, "--data", data], { encoding: "utf8" })
}

test("a generated terminal token is written to a 0600 file and not printed", async () => {
    await service(["account", "--number", "330-123-4567", "--holder", "Shop One", "--phone", "+821055556666"])
    const out = await service(["terminal", "--id", "TERM0009", "--account", "330-123-4567"])
    const file = join(data, "terminal-tokens", "TERM0009.txt")
    const token = readFileSync(file, "utf8").trim()
    expect(token).toMatch(/^[0-9a-f]{32}$/)
    expect(statSync(file).mode & 0o777).toBe(0o600)
    expect(statSync(join(data, "terminal-tokens")).mode & 0o777).toBe(0o700)
    expect(out.stdout).toContain(file)
    expect(out.stdout + out.stderr).not.toContain(token)
})

test("an unknown account is refused with exit code 2", async () => {
    await expect(service(["terminal", "--id", "TERM0010", "--account", "999-999"])).rejects.toMatchObject({ code: 2 })
})

test("a vending machine registered with a generated token: the file holds it, the store its hash", async () => {
    const out = await service(["machine", "--id", "VM000009"])
    const file = join(data, "machine-tokens", "VM000009.txt")
    const token = readFileSync(file, "utf8").trim()
    expect(token).toMatch(/^[0-9a-f]{32}$/)
    expect(statSync(file).mode & 0o777).toBe(0o600)
    expect(out.stdout).toContain(file)
    expect(out.stdout + out.stderr).not.toContain(token)
    const store = ServiceStore.open(data)
    try {
        expect(store.machine("VM000009")?.tokenHash).toEqual(tokenSha256(token))
    } finally {
        store.close()
    }
    await expect(service(["machine", "--id", "vm-lower"])).rejects.toMatchObject({ code: 2 })
    await expect(service(["machine", "--id", "VM000010", "--token", "short"])).rejects.toMatchObject({ code: 2 })
})
