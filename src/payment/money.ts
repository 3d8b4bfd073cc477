// Amounts as a holder reads them: minor units shown with the currency's ISO 4217 exponent
// (KRW and JPY have none, USD and EUR two), digits grouped by thousands.

const CURRENCIES: number[][] = [
    // numeric code, exponent
    [410, 0],
    [392, 0],
    [840, 2],
    [978, 2],
    [826, 2],
]
const ALPHA = ["KRW", "JPY", "USD", "EUR", "GBP"]

function grouped(n: number): string {
    let s = "" + n
    let out = ""
    while (s.length > 3) {
        out = "," + s.slice(s.length - 3) + out
        s = s.slice(0, s.length - 3)
    }
    return s + out
}

export function currencyCode(currency: number): string {
    for (let i = 0; i < CURRENCIES.length; i++) if (CURRENCIES[i][0] === currency) return ALPHA[i]
    return "#" + currency
}

export function formatAmount(amount: number, currency: number): string {
    let exponent = 2
    for (let i = 0; i < CURRENCIES.length; i++) if (CURRENCIES[i][0] === currency) exponent = CURRENCIES[i][1]
    if (exponent === 0) return grouped(amount) + " " + currencyCode(currency)
    let unit = 1
    for (let i = 0; i < exponent; i++) unit *= 10
    const major = Math.floor(amount / unit)
    let minor = "" + (amount - major * unit)
    while (minor.length < exponent) minor = "0" + minor
    return grouped(major) + "." + minor + " " + currencyCode(currency)
}
