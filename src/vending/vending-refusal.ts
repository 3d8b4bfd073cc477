// Why the vending machine refuses a sale, as it shows it: one code per reason (for the sales log)
// and a display text of at most 21 characters (one row of the machine's display). The message
// adds a detail for the log; it never carries key material.

export const WRONG_CA = 1
export const BAD_CERT_SIGNATURE = 2
export const CERT_EXPIRED = 3
export const CERT_NOT_YET_VALID = 4
export const NO_SIGNING_USAGE = 5
export const BAD_SIGNATURE = 6
export const NOT_OUR_CHALLENGE = 7
export const CARD_REVOKED = 8
export const NO_FRESH_STATUS = 9
export const BAD_STATUS = 10
export const MALFORMED = 11

/** The display text of each code, index = code. */
const TEXTS = ["", "WRONG CA", "BAD CERT SIGNATURE", "CERT EXPIRED", "CERT NOT YET VALID", "NO SIGNING USAGE", "BAD SIGNATURE", "NOT OUR CHALLENGE", "CARD REVOKED", "NO FRESH STATUS", "BAD STATUS", "MALFORMED"]

export class VendingRefusal extends Error {
    code: number
    /** What the machine displays. */
    text: string
    constructor(code: number, detail: string) {
        super(TEXTS[code] + ": " + detail)
        this.name = "VendingRefusal"
        this.code = code
        this.text = TEXTS[code]
    }
}

/** Throws the refusal `code` unless `ok`. */
export function refuseUnless(ok: boolean, code: number, detail: string): void {
    if (!ok) throw new VendingRefusal(code, detail)
}
