// A data folder private to its user: created with mode 0700, group and other bits cleared when an
// existing one has them (the user's own bits are kept: a folder made read-only stays so), and
// refused when this user cannot write it.

import { accessSync, chmodSync, constants, mkdirSync, statSync } from "node:fs"

/** Makes `dir` private; throws `refusal(message)` when it is read-only or not this user's. */
export function privateFolder(dir: string, what: string, refusal: (message: string) => Error = (m) => new Error(m)): void {
    mkdirSync(dir, { recursive: true, mode: 0o700 })
    try {
        const mode = statSync(dir).mode & 0o777
        if ((mode & 0o077) !== 0) chmodSync(dir, mode & 0o700)
        accessSync(dir, constants.W_OK)
    } catch {
        throw refusal(`data folder ${dir} is read-only or not this user's: ${what}`)
    }
}
