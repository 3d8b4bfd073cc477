// The terminal firmware's image hash. The terminal relays EAP without understanding it, so a new
// authentication method between card and server leaves its image byte for byte the same; the
// hash recorded in devices/terminal/image.sha256 holds it to that
// (test/vm/terminal-image.test.ts). The image is built with its version field pinned to the
// package's version, so the hash follows the code and not the commit.
//   npm run terminal-hash              prints the hash of the image built from this tree
//   npm run terminal-hash -- --record  writes it to devices/terminal/image.sha256 (a deliberate
//                                      change to the terminal)

import { createHash } from "node:crypto"
import { readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { buildProgram, ROOT } from "./vm/devs-cli"

export const TERMINAL_HASH_FILE = join(ROOT, "devices/terminal/image.sha256")

/** SHA-256 of the terminal image built with its version pinned, in hex. */
export async function terminalImageHash(): Promise<string> {
    const p = await buildProgram("devices/terminal/main.ts", "terminal-pinned", true)
    return createHash("sha256").update(readFileSync(p.devsFile)).digest("hex")
}

/** The hash recorded in the repository. */
export function recordedTerminalHash(): string {
    return readFileSync(TERMINAL_HASH_FILE, "utf8").split(/\s/)[0]
}

if (import.meta.url === `file://${process.argv[1]}`) {
    const hash = await terminalImageHash()
    if (process.argv.includes("--record")) {
        writeFileSync(TERMINAL_HASH_FILE, `${hash}  build/devs/terminal-pinned.devs\n`)
        console.log(`recorded ${hash} in devices/terminal/image.sha256`)
    } else console.log(`${hash}  terminal image (version pinned); recorded: ${recordedTerminalHash()}`)
}
