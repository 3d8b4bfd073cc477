// Opens the server's data folder: private to the server's user (it holds K and OPc).

import { chmodSync, mkdirSync } from "node:fs"
import { JournalStore } from "../store/journal-store"

export async function openServerStore(dir: string): Promise<JournalStore> {
    mkdirSync(dir, { recursive: true, mode: 0o700 })
    chmodSync(dir, 0o700)
    return await JournalStore.open(dir)
}
