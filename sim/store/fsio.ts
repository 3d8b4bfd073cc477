// The few file-system calls whose ordering the store's durability depends on.

import { constants } from "node:fs"
import { open, type FileHandle } from "node:fs/promises"

/**
 * O_DSYNC where the platform has it: each journal write returns only once its data (and the file
 * size) are on stable storage, as write + fdatasync would, in one thread-pool job instead of two.
 * Handing a job to the thread pool and hearing back costs tens of microseconds of the event loop's
 * time on a virtual machine; this halves it. 0 where there is none (Windows).
 */
export const SYNC_ON_WRITE_FLAG: number = constants.O_DSYNC ?? 0

/** Opens a journal for writing, with SYNC_ON_WRITE_FLAG: created (it must not exist yet) or existing. */
export async function openJournal(path: string, create: boolean): Promise<FileHandle> {
    const flags = (create ? constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY : constants.O_RDWR) | SYNC_ON_WRITE_FLAG
    return await open(path, flags, 0o600)
}

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
