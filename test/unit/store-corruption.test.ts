// JournalStore recovery: a torn tail (the unacknowledged last group commit) is cut away with a
// warning; damage anywhere else refuses to open, naming the file and offset, and changes nothing.

import { appendFileSync, existsSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from "node:fs"
import { randomBytes } from "node:crypto"
import { join } from "node:path"
import { describe, expect, test } from "vitest"
import { JournalStore, journalFileName, StoreCorruptionError } from "../../sim/store"
import { encodeFrame, HEADER_BYTES, JOURNAL_MAGIC } from "../../sim/store/frames"
import { storeFixtures } from "../support/store-fixtures"

const { tempDir, openStore, closeStore, track } = storeFixtures("store-corrupt-")

/** A folder with `n` transactions, each in its own frame (awaited one by one); returns frame offsets. */
async function folderWith(n: number): Promise<{ dir: string; journal: string; offsets: number[] }> {
    const dir = tempDir()
    const s = await openStore(dir)
    const journal = join(dir, journalFileName(1))
    const offsets: number[] = []
    for (let i = 0; i < n; i++) {
        offsets.push(statSync(journal).size)
        await s.transaction((tx) => tx.put("cards", `c${i}`, { k: randomBytes(16).toString("hex"), i }))
    }
    await closeStore(s)
    return { dir, journal, offsets }
}

async function reopenWithWarnings(dir: string): Promise<{ s: JournalStore; warnings: string[] }> {
    const warnings: string[] = []
    const s = await openStore(dir, { warn: (m) => warnings.push(m) })
    return { s, warnings }
}

function flipByte(file: string, offset: number): void {
    const buf = readFileSync(file)
    buf[offset] ^= 0x01
    writeFileSync(file, buf)
}

async function expectCorrupt(dir: string, file: string, offset: number, reason: RegExp): Promise<void> {
    const sizes = (existsSync(file) ? [statSync(file).size] : []).join()
    let err: unknown
    await JournalStore.open(dir, { warn: () => {} }).then(
        (s) => track(s),
        (e) => (err = e),
    )
    expect(err).toBeInstanceOf(StoreCorruptionError)
    const e = err as StoreCorruptionError
    expect(e.file).toBe(file)
    expect(e.offset).toBe(offset)
    expect(e.message).toContain(`${file} is damaged at offset ${offset}`)
    expect(e.message).toMatch(reason)
    expect(e.message).toMatch(/refusing to open/)
    expect((existsSync(file) ? [statSync(file).size] : []).join()).toBe(sizes) // nothing cut away
    expect(existsSync(join(dir, "LOCK"))).toBe(false) // a failed open releases the lock
}

describe("store torn tail", () => {
    test("garbage appended after the last frame is cut away with a warning", async () => {
        const { dir, journal } = await folderWith(10)
        const size = statSync(journal).size
        appendFileSync(journal, randomBytes(37))
        const { s, warnings } = await reopenWithWarnings(dir)
        expect(s.size("cards")).toBe(10)
        expect(warnings).toHaveLength(1)
        expect(warnings[0]).toMatch(/discarded a torn journal tail of 37 bytes in .*journal-0000000001\.log at offset \d+/)
        expect(statSync(journal).size).toBe(size)
    })

    test("a last frame cut short is dropped, earlier ones kept; writing resumes cleanly", async () => {
        const { dir, journal, offsets } = await folderWith(10)
        truncateSync(journal, statSync(journal).size - 5)
        const { s, warnings } = await reopenWithWarnings(dir)
        expect(s.size("cards")).toBe(9)
        expect(s.has("cards", "c9")).toBe(false)
        expect(s.has("cards", "c8")).toBe(true)
        expect(warnings[0]).toContain(`at offset ${offsets[9]}`)
        expect(warnings[0]).toMatch(/runs past the end of the file/)
        expect(statSync(journal).size).toBe(offsets[9])
        await s.transaction((tx) => tx.put("cards", "new", { i: 10 }))
        expect(s.stats().seq).toBe(10)
        await closeStore(s)
        const again = await reopenWithWarnings(dir)
        expect(again.warnings).toEqual([])
        expect(again.s.size("cards")).toBe(10)
        expect(again.s.get("cards", "new")).toEqual({ i: 10 })
    })

    test.each([
        ["only a partial header", (j: string, o: number[]) => truncateSync(j, o[9] + 7), /partial frame header/],
        ["a header and no payload", (j: string, o: number[]) => truncateSync(j, o[9] + HEADER_BYTES), /runs past the end/],
        ["a flipped payload byte", (j: string, o: number[]) => flipByte(j, o[9] + HEADER_BYTES + 3), /checksum mismatch/],
        ["zeros after a cut", (j: string, o: number[]) => (truncateSync(j, o[9] + 20), appendFileSync(j, Buffer.alloc(4096))), /checksum mismatch|runs past/],
        ["a whole zeroed last frame", (j: string, o: number[]) => (truncateSync(j, o[9]), appendFileSync(j, Buffer.alloc(300))), /no frame marker/],
    ])("last frame with %s: dropped", async (_name, damage, reason) => {
        const { dir, journal, offsets } = await folderWith(10)
        damage(journal, offsets)
        const { s, warnings } = await reopenWithWarnings(dir)
        expect(s.size("cards")).toBe(9)
        expect(warnings).toHaveLength(1)
        expect(warnings[0]).toMatch(reason)
        expect(statSync(journal).size).toBe(offsets[9])
    })

    test("the warning names files and offsets only, never record contents", async () => {
        const dir = tempDir()
        const s = await openStore(dir)
        const secret = randomBytes(16).toString("hex")
        await s.transaction((tx) => tx.put("cards", "c1", { k: secret }))
        await closeStore(s)
        const journal = join(dir, journalFileName(1))
        truncateSync(journal, statSync(journal).size - 1)
        const { warnings } = await reopenWithWarnings(dir)
        expect(warnings.join("\n")).not.toContain(secret)
        expect(warnings.join("\n")).not.toContain(secret.slice(0, 8))
    })
})

describe("store corruption refuses to open", () => {
    test("a damaged frame followed by valid ones (corruption in the middle)", async () => {
        const { dir, journal, offsets } = await folderWith(10)
        flipByte(journal, offsets[3] + HEADER_BYTES + 2)
        await expectCorrupt(dir, journal, offsets[3], /checksum mismatch, followed by a valid frame at offset/)
        // Still refuses the second time (nothing was truncated the first time).
        await expectCorrupt(dir, journal, offsets[3], /followed by a valid frame/)
    })

    test("a damaged length field in the first frame", async () => {
        const { dir, journal } = await folderWith(5)
        flipByte(journal, 9) // second byte of the length field
        await expectCorrupt(dir, journal, 0, /followed by a valid frame/)
    })

    test("garbage inserted between two frames", async () => {
        const { dir, journal, offsets } = await folderWith(5)
        const buf = readFileSync(journal)
        writeFileSync(journal, Buffer.concat([buf.subarray(0, offsets[2]), randomBytes(50), buf.subarray(offsets[2])]))
        await expectCorrupt(dir, journal, offsets[2], /followed by a valid frame at offset/)
    })

    test("a valid frame that skips sequence numbers (a lost frame)", async () => {
        const { dir, journal } = await folderWith(3)
        appendFileSync(journal, encodeFrame(JOURNAL_MAGIC, 1, JSON.stringify([[5, [["p", "cards", "x", 1]]]])))
        const size = statSync(journal).size
        await expectCorrupt(dir, journal, size - encodeFrame(JOURNAL_MAGIC, 1, JSON.stringify([[5, [["p", "cards", "x", 1]]]])).length, /sequence jumps from 3 to 5/)
    })

    test("a frame with a valid checksum but a malformed transaction", async () => {
        const { dir, journal } = await folderWith(2)
        const at = statSync(journal).size
        appendFileSync(journal, encodeFrame(JOURNAL_MAGIC, 1, JSON.stringify([[3, [["x", "cards", "x"]]]])))
        await expectCorrupt(dir, journal, at, /malformed transaction/)
    })

    test("a frame copied from another journal generation is not accepted as this one's", async () => {
        const { dir, journal } = await folderWith(2)
        const at = statSync(journal).size
        appendFileSync(journal, encodeFrame(JOURNAL_MAGIC, 7, JSON.stringify([[3, [["p", "cards", "x", 1]]]])))
        const { s, warnings } = await reopenWithWarnings(dir) // at the tail it is just a torn write
        expect(warnings[0]).toMatch(/another file/)
        expect(s.size("cards")).toBe(2)
        await closeStore(s)
        expect(statSync(journal).size).toBe(at)
    })

    test("a damaged snapshot", async () => {
        const dir = tempDir()
        const s = await openStore(dir)
        for (let i = 0; i < 20; i++) await s.transaction((tx) => tx.put("cards", `c${i}`, { i }))
        await s.compact()
        await closeStore(s)
        const snap = join(dir, "snapshot")
        flipByte(snap, statSync(snap).size - 3) // inside the end frame
        const size = statSync(snap).size
        let err: unknown
        await JournalStore.open(dir).catch((e) => (err = e))
        expect(err).toBeInstanceOf(StoreCorruptionError)
        expect((err as Error).message).toMatch(/snapshot is damaged at offset \d+: checksum mismatch \(a snapshot is only renamed into place/)
        expect(statSync(snap).size).toBe(size)
    })

    test("a snapshot cut short", async () => {
        const dir = tempDir()
        const s = await openStore(dir)
        for (let i = 0; i < 20; i++) await s.transaction((tx) => tx.put("cards", `c${i}`, { i }))
        await s.compact()
        await closeStore(s)
        const snap = join(dir, "snapshot")
        truncateSync(snap, statSync(snap).size - 1)
        await expect(JournalStore.open(dir)).rejects.toThrow(/snapshot is damaged/)
    })

    test("the journal that follows the snapshot is missing", async () => {
        const dir = tempDir()
        const s = await openStore(dir)
        await s.transaction((tx) => tx.put("cards", "c", 1))
        await s.compact()
        await s.transaction((tx) => tx.put("cards", "d", 1))
        await closeStore(s)
        rmSync(join(dir, journalFileName(2)))
        await expect(JournalStore.open(dir)).rejects.toThrow(/journal-0000000002\.log is damaged at offset 0: journal file is missing/)
    })

    test("damage at the end of a journal that is not the last one", async () => {
        // The files a crash during compaction leaves before the snapshot is renamed: journals 1 and 2.
        const dir = tempDir()
        const s = await openStore(dir)
        for (let i = 0; i < 5; i++) await s.transaction((tx) => tx.put("cards", `c${i}`, i))
        const j1 = readFileSync(join(dir, journalFileName(1)))
        await s.compact()
        for (let i = 5; i < 8; i++) await s.transaction((tx) => tx.put("cards", `c${i}`, i))
        await closeStore(s)
        rmSync(join(dir, "snapshot"))
        writeFileSync(join(dir, journalFileName(1)), j1)
        const ok = await openStore(dir)
        expect(ok.size("cards")).toBe(8)
        await closeStore(ok)
        appendFileSync(join(dir, journalFileName(1)), randomBytes(10))
        await expectCorrupt(dir, join(dir, journalFileName(1)), j1.length, /not the last one/)
    })
})
