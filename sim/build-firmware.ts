// `npm run build`: compiles every firmware entry point (devices/*/main.ts) with the real
// DeviceScript compiler into build/devs/<device>.devs, the image that is deployed to a board.
// An entry that imports a board definition (@dsboard/<id>, from boards/<id>.board.json) carries
// that board's configuration in its image (pins, I2C, LED, button): the build checks it is there.

import { readdirSync, existsSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { buildProgram, ROOT, runCli } from "./vm/devs-cli"

export function firmwareEntries(): string[] {
    return readdirSync(join(ROOT, "devices"), { withFileTypes: true })
        .filter((d) => d.isDirectory() && existsSync(join(ROOT, "devices", d.name, "main.ts")))
        .map((d) => `devices/${d.name}/main.ts`)
}

/** The board an entry point is built for (its `import "@dsboard/<id>"`), or null. */
export function boardOf(entry: string): { id: string; name: string } | null {
    const m = /from\s+"@dsboard\/(\w+)"|import\s+"@dsboard\/(\w+)"/.exec(readFileSync(join(ROOT, entry), "utf8"))
    if (!m) return null
    const id = m[1] ?? m[2]
    const file = join(ROOT, "boards", id + ".board.json")
    const name = existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")).devName as string) : id
    return { id, name }
}

/** Bytes of board configuration (DCFG section) in a built image, from the DeviceScript disassembler. */
export async function boardConfigBytes(devsFile: string): Promise<number> {
    const r = await runCli(["disasm", devsFile])
    const m = /dcfg: (\d+)/.exec(r.stdout)
    if (!m) throw new Error(`devs disasm ${devsFile} printed no section sizes`)
    return parseInt(m[1])
}

if (import.meta.url === `file://${process.argv[1]}`) {
    for (const entry of firmwareEntries()) {
        const name = entry.split("/")[1]
        const p = await buildProgram(entry, name)
        const board = boardOf(entry)
        let note = "no board definition (runs in the simulator only)"
        if (board) {
            const dcfg = await boardConfigBytes(p.devsFile)
            if (dcfg === 0) throw new Error(`${entry} imports @dsboard/${board.id} but its image carries no board configuration`)
            note = `board ${board.id} (${board.name}), ${dcfg} bytes of board configuration`
        }
        console.log(`${entry} -> ${p.devsFile.replace(ROOT + "/", "")}: ${p.imageBytes} bytes, ${note}`)
    }
}
