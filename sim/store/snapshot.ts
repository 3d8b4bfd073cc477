// Snapshot: every table at one sequence number, in the journal's frame format (magic "ACS").
// Frames, in order:
//   ["snapshot", 1, seq, gen]            seq: last transaction included; gen: first journal after it
//   ["entries", table, [[key, value]...]] as many as needed, each about CHUNK_BYTES
//   ["end", entryCount, frameCount]
// It is written to snapshot.tmp, fsync'd, then renamed over `snapshot`, so the file is always
// complete: any damage in it is disk corruption and refuses to open (unlike a journal's tail).

import { open, rename, rm, readFile } from "node:fs/promises"
import { join } from "node:path"
import { StoreCorruptionError } from "./errors"
import { encodeFrame, scanFrames, SNAPSHOT_MAGIC } from "./frames"
import { syncDir, writeAll } from "./fsio"
import { deepFreeze, type Json } from "./json-value"

export const SNAPSHOT_FILE = "snapshot"
export const SNAPSHOT_TMP = "snapshot.tmp"
const FORMAT = 1
/** Serialised a chunk at a time, so a large snapshot never blocks the event loop for long. */
const CHUNK_BYTES = 256 * 1024

export type Tables = Map<string, Map<string, Json>>

export interface Snapshot {
    seq: number
    gen: number
    tables: Tables
}

export interface SnapshotWriteOptions {
    /** Checked between chunks: true abandons the snapshot (the store is closing). */
    shouldStop: () => boolean
    /** Called after each fsync (file or directory), for the store's counters. */
    onSync: () => void
}

/**
 * Writes tables (values frozen, so a shallow copy of each Map is a consistent view) as the new
 * snapshot. Returns false when abandoned; the old snapshot is then untouched.
 */
export async function writeSnapshot(dir: string, seq: number, gen: number, tables: Tables, options: SnapshotWriteOptions): Promise<boolean> {
    const tmp = join(dir, SNAPSHOT_TMP)
    const handle = await open(tmp, "w")
    let position = 0
    let frames = 0
    let entries = 0
    let closed = false
    const put = async (payload: string) => {
        const frame = encodeFrame(SNAPSHOT_MAGIC, 0, payload)
        await writeAll(handle, frame, position)
        position += frame.length
        frames++
    }
    try {
        await put(JSON.stringify(["snapshot", FORMAT, seq, gen]))
        for (const [table, rows] of tables) {
            let parts: string[] = []
            let bytes = 0
            const flush = async () => {
                await put(`["entries",${JSON.stringify(table)},[${parts.join(",")}]]`)
                parts = []
                bytes = 0
            }
            for (const row of rows) {
                const s = JSON.stringify(row)
                parts.push(s)
                bytes += s.length
                entries++
                if (bytes >= CHUNK_BYTES) {
                    await flush()
                    if (options.shouldStop()) return false
                }
            }
            if (parts.length > 0) await flush()
            if (options.shouldStop()) return false
        }
        await put(JSON.stringify(["end", entries, frames + 1]))
        await handle.sync()
        options.onSync()
        await handle.close()
        closed = true
        // The rename is the commit point; the directory fsync makes it durable.
        await rename(tmp, join(dir, SNAPSHOT_FILE))
        await syncDir(dir)
        options.onSync()
        return true
    } finally {
        if (!closed) {
            await handle.close().catch(() => {})
            await rm(tmp, { force: true }).catch(() => {})
        }
    }
}

/** Reads the snapshot, or undefined when there is none yet. */
export async function readSnapshot(dir: string): Promise<Snapshot | undefined> {
    const path = join(dir, SNAPSHOT_FILE)
    let buf: Buffer
    try {
        buf = await readFile(path)
    } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined
        throw e
    }
    const scan = scanFrames(buf, SNAPSHOT_MAGIC, 0)
    if (scan.damage) {
        throw new StoreCorruptionError(path, scan.damage.offset, `${scan.damage.reason} (a snapshot is only renamed into place once complete and synced, so this is not a torn write)`)
    }
    const bad = (offset: number, reason: string) => new StoreCorruptionError(path, offset, reason)
    const parse = (i: number): unknown[] => {
        let v: unknown
        try {
            v = JSON.parse(scan.frames[i].payload.toString("utf8"))
        } catch {
            throw bad(scan.frames[i].offset, "frame is not valid JSON")
        }
        if (!Array.isArray(v)) throw bad(scan.frames[i].offset, "frame is not a JSON array")
        return v
    }
    if (scan.frames.length < 2) throw bad(scan.end, "snapshot is incomplete (no end frame)")
    const head = parse(0)
    if (head[0] !== "snapshot" || head[1] !== FORMAT || !isSeq(head[2]) || !isSeq(head[3])) {
        throw bad(0, `not a snapshot header of format ${FORMAT}`)
    }
    const tables: Tables = new Map()
    let entries = 0
    const last = scan.frames.length - 1
    for (let i = 1; i < last; i++) {
        const f = parse(i)
        const rows = f[2]
        if (f[0] !== "entries" || typeof f[1] !== "string" || !Array.isArray(rows)) throw bad(scan.frames[i].offset, "not an entries frame")
        let table = tables.get(f[1])
        if (!table) tables.set(f[1], (table = new Map()))
        for (const row of rows) {
            if (!Array.isArray(row) || row.length !== 2 || typeof row[0] !== "string") throw bad(scan.frames[i].offset, `malformed entry in table "${f[1]}"`)
            table.set(row[0], deepFreeze(row[1] as Json))
            entries++
        }
    }
    const end = parse(last)
    if (end[0] !== "end") throw bad(scan.frames[last].offset, "snapshot is incomplete (no end frame)")
    if (end[1] !== entries || end[2] !== scan.frames.length) {
        throw bad(scan.frames[last].offset, `end frame counts ${String(end[1])} entries in ${String(end[2])} frames, found ${entries} in ${scan.frames.length}`)
    }
    return { seq: head[2] as number, gen: head[3] as number, tables }
}

function isSeq(v: unknown): boolean {
    return typeof v === "number" && Number.isSafeInteger(v) && v >= 0
}
