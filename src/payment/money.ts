// Amounts as a holder reads them: minor units shown with the currency's ISO 4217 exponent
// (KRW and JPY have none, USD and EUR two), digits grouped by thousands.

// "|" numeric code, space, alphabetic code, exponent: one string in flash, no arrays on the heap.
const CURRENCIES = "|410 KRW0|392 JPY0|840 USD2|978 EUR2|826 GBP2"

/** "1,234.56 USD": a currency not in the table shows as "#" and its number, with two decimals. */
export function formatAmount(amount: number, currency: number): string {
    const at = CURRENCIES.indexOf("|" + currency + " ")
    const code = at < 0 ? "#" + currency : CURRENCIES.slice(at + 5, at + 8)
    const exponent = at < 0 ? 2 : CURRENCIES.charCodeAt(at + 8) - 48
    let unit = 1
    for (let i = 0; i < exponent; i++) unit *= 10
    const major = Math.floor(amount / unit)
    let tail = " " + code
    if (exponent > 0) {
        let minor = "" + (amount - major * unit)
        while (minor.length < exponent) minor = "0" + minor
        tail = "." + minor + tail
    }
    // The major units grouped by thousands.
    let s = "" + major
    while (s.length > 3) {
        tail = "," + s.slice(s.length - 3) + tail
        s = s.slice(0, s.length - 3)
    }
    return s + tail
}
