// The store's errors. Messages name folders, files, offsets, tables and keys, never record
// contents: records hold card keys.

/** The data on disk is damaged in a way that could hide acknowledged transactions: refuse to open. */
export class StoreCorruptionError extends Error {
    readonly file: string
    readonly offset: number

    constructor(file: string, offset: number, reason: string) {
        super(`store: ${file} is damaged at offset ${offset}: ${reason}; refusing to open (restore the data folder from a backup, or inspect it by hand)`)
        this.name = "StoreCorruptionError"
        this.file = file
        this.offset = offset
    }
}

/** Another live store (this process or another) owns the data folder. */
export class StoreLockedError extends Error {
    constructor(message: string) {
        super(message)
        this.name = "StoreLockedError"
    }
}

/**
 * A write, fsync, rename or directory sync failed. Memory may now hold changes that are not on disk,
 * and a failed fsync cannot be retried safely (the kernel may have dropped the dirty pages), so the
 * store stops: every later call throws this error. Restart the process; it recovers from disk.
 */
export class StoreFailedError extends Error {
    constructor(message: string, cause: unknown) {
        super(message, { cause })
        this.name = "StoreFailedError"
    }
}

/** The store was closed (or is closing): no more transactions or reads. */
export class StoreClosedError extends Error {
    constructor(dir: string) {
        super(`store: ${dir} is closed`)
        this.name = "StoreClosedError"
    }
}

/** An error's code and message without anything else from the object (it may carry a buffer). */
export function describeError(e: unknown): string {
    if (e instanceof Error) return e.message
    return String(e)
}
