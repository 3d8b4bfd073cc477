// Field ranges checked where data enters the server: provisioning, the payment command line and
// every payment a terminal sends. Amounts are whole minor units of at most 12 digits (ISO 8583
// field 4, n 12) and never zero; currencies are ISO 4217 numeric codes of currencies in
// circulation; numbers are written in decimal digits only ("0x10", "1e3", " 5" are refused).

import { isIP } from "node:net"
import { MAX_MERCHANT_ID, MAX_TERMINAL_ID, type Payment } from "../../src/payment/payment"

/** ISO 8583 field 4: twelve decimal digits of minor units. */
export const MAX_MINOR_UNITS = 999_999_999_999

/**
 * ISO 4217 numeric codes of the currencies in circulation (list one of the standard, without the
 * fund, precious-metal, testing and "no currency" codes, nor codes since withdrawn).
 */
export const ISO4217_NUMERIC: ReadonlySet<number> = new Set(
    (
        "008 012 032 036 044 048 050 051 052 060 064 068 072 084 090 096 104 108 116 124 132 136 144 152 156 170 174 188 192 203 208 214 " +
        "222 230 232 238 242 262 270 292 320 324 328 332 340 344 348 352 356 360 364 368 376 388 392 398 400 404 408 410 414 417 418 422 " +
        "426 430 434 446 454 458 462 480 484 496 498 504 512 516 524 532 533 548 554 558 566 578 586 590 598 600 604 608 634 643 646 654 " +
        "682 690 702 704 706 710 728 748 752 756 760 764 776 780 784 788 800 807 818 826 834 840 858 860 882 886 901 924 925 926 928 929 " +
        "930 933 934 936 938 941 943 944 946 949 950 951 952 953 967 968 969 971 972 973 976 977 978 980 981 985 986"
    )
        .split(" ")
        .map(Number),
)

/** A field outside its range: the message names the field and the range, never a secret value. */
export class FieldError extends Error {
    constructor(message: string) {
        super(message)
        this.name = "FieldError"
    }
}

/** A whole number written in decimal digits, from min to max. */
export function parseWhole(text: string, what: string, min: number, max: number): number {
    if (!/^\d+$/.test(text)) throw new FieldError(`${what} must be a whole number in decimal digits (got ${JSON.stringify(text.slice(0, 20))})`)
    const n = Number(text)
    if (text.length > 15 || n < min || n > max) throw new FieldError(`${what} must be ${min}..${max} (got ${text.length > 20 ? text.slice(0, 20) + "..." : text})`)
    return n
}

export function checkAmount(n: number, what = "amount"): void {
    if (!Number.isSafeInteger(n) || n < 1 || n > MAX_MINOR_UNITS) throw new FieldError(`${what} must be 1..${MAX_MINOR_UNITS} minor units`)
}

/** Balances and limits: like an amount, zero allowed. */
export function checkMinorUnits(n: number, what: string): void {
    if (!Number.isSafeInteger(n) || n < 0 || n > MAX_MINOR_UNITS) throw new FieldError(`${what} must be 0..${MAX_MINOR_UNITS} minor units`)
}

export function checkCurrency(n: number): void {
    if (!ISO4217_NUMERIC.has(n)) throw new FieldError(`currency ${n} is not an ISO 4217 numeric code in circulation (410 KRW, 840 USD, 978 EUR, ...)`)
}

export function parseAmount(text: string): number {
    const n = parseWhole(text, "amount", 1, MAX_MINOR_UNITS)
    checkAmount(n)
    return n
}

export function parseCurrency(text: string): number {
    const n = parseWhole(text, "currency", 1, 999)
    checkCurrency(n)
    return n
}

/** Printable ASCII, 1..max characters (ISO 8583 ans fields). */
export function checkPrintable(s: string, max: number, what: string): void {
    if (!new RegExp(`^[\\x20-\\x7e]{1,${max}}$`).test(s)) throw new FieldError(`${what} must be 1..${max} printable ASCII characters`)
}

export function checkMerchantId(s: string): void {
    checkPrintable(s, MAX_MERCHANT_ID, "merchant ID")
}

export function checkTerminalId(s: string): void {
    checkPrintable(s, MAX_TERMINAL_ID, "terminal ID")
}

export function checkAddress(s: string): void {
    if (isIP(s) === 0) throw new FieldError(`terminal address must be an IPv4 or IPv6 address (got ${JSON.stringify(s.slice(0, 40))})`)
}

/** What the server accepts from a terminal beyond the wire format's own limits. */
export function checkPaymentFields(p: Payment): void {
    checkAmount(p.amount)
    checkCurrency(p.currency)
    checkMerchantId(p.merchantId)
    checkTerminalId(p.terminalId)
}
