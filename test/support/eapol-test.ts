// wpa_supplicant's eapol_test (Debian package eapoltest), or null when it is not installed.

import { execFileSync } from "node:child_process"

export function eapolTestBinary(): string | null {
    try {
        execFileSync("which", ["eapol_test"], { stdio: "pipe" })
        return "eapol_test"
    } catch {
        return null
    }
}
