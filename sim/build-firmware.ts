// `npm run build`: compiles every firmware entry point (devices/*/main.ts) with the real
// DeviceScript compiler into build/devs/<device>.devs (the image that is deployed to a board).

import { readdirSync, existsSync } from "node:fs"
import { join } from "node:path"
import { buildProgram, ROOT } from "./vm/devs-cli"

export function firmwareEntries(): string[] {
    return readdirSync(join(ROOT, "devices"), { withFileTypes: true })
        .filter((d) => d.isDirectory() && existsSync(join(ROOT, "devices", d.name, "main.ts")))
        .map((d) => `devices/${d.name}/main.ts`)
}

if (import.meta.url === `file://${process.argv[1]}`) {
    for (const entry of firmwareEntries()) {
        const name = entry.split("/")[1]
        const p = await buildProgram(entry, name)
        console.log(`${entry} -> ${p.devsFile.replace(ROOT + "/", "")} (${p.imageBytes} bytes)`)
    }
}
