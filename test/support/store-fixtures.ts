// Temporary store folders for the store tests: opened stores are closed and folders removed
// after each test.

import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterEach } from "vitest"
import { JournalStore, type Json, type JournalStoreOptions } from "../../sim/store"

export function storeFixtures(prefix: string) {
    const dirs: string[] = []
    const stores: JournalStore[] = []
    afterEach(async () => {
        for (const s of stores.splice(0)) await s.close()
        for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
    })
    const tempDir = (): string => {
        const d = mkdtempSync(join(tmpdir(), prefix))
        dirs.push(d)
        return d
    }
    const openStore = async (dir: string = tempDir(), options: JournalStoreOptions = {}): Promise<JournalStore> => {
        const s = await JournalStore.open(dir, { warn: () => {}, ...options })
        stores.push(s)
        return s
    }
    const closeStore = async (s: JournalStore): Promise<void> => {
        await s.close()
        stores.splice(stores.indexOf(s), 1)
    }
    /** Closes `s` after the test (a store opened some other way). */
    const track = (s: JournalStore): void => {
        stores.push(s)
    }
    return { tempDir, openStore, closeStore, track }
}

/** Every table's entries, sorted: two stores hold the same data iff their dumps are equal. */
export function dump(s: JournalStore): Record<string, Record<string, Json>> {
    const out: Record<string, Record<string, Json>> = {}
    for (const t of s.tableNames().sort()) out[t] = Object.fromEntries(s.entries(t).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
    return out
}
