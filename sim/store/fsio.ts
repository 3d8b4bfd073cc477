// The few file-system calls whose ordering the store's durability depends on.

import { open, type FileHandle } from "node:fs/promises"

/** Writes all of buf at position (a regular file may take it in several writes). */
export async function writeAll(handle: FileHandle, buf: Buffer, position: number): Promise<void> {
    let done = 0
    while (done < buf.length) {
        const { bytesWritten } = await handle.write(buf, done, buf.length - done, position + done)
        if (bytesWritten <= 0) throw new Error("store: write made no progress")
        done += bytesWritten
    }
}

/**
 * fsync of a directory: makes a created, renamed or removed name durable. Without it a crash can
 * lose a new journal file whose contents were already fsync'd (and acknowledged).
 */
export async function syncDir(dir: string): Promise<void> {
    const handle = await open(dir, "r")
    try {
        await handle.sync()
    } catch (e) {
        // Windows cannot fsync a directory (and does not need to); everywhere else this is fatal.
        if (process.platform !== "win32") throw e
    } finally {
        await handle.close()
    }
}
