// UTC calendar time and seconds since 1970-01-01T00:00:00Z (POSIX time: no leap seconds), both
// ways, for a real-time clock's registers and the texts a machine signs ("2026-12-05T21:57:16Z",
// the form of RFC 3339 that transaction-history.ts takes). The day count is H. Hinnant's
// days_from_civil / civil_from_days (proleptic Gregorian calendar): whole-number arithmetic that
// stays exact in doubles and needs no `%` (32-bit only in the VM). Portable and pure.

export interface UtcFields {
    year: number
    /** 1-12 */
    month: number
    /** 1-31 */
    day: number
    hours: number
    minutes: number
    seconds: number
}

/** Days from 1970-01-01 to year-month-day (negative before it). */
export function daysFromCivil(year: number, month: number, day: number): number {
    const y = month <= 2 ? year - 1 : year
    const era = Math.floor(y / 400)
    const yoe = y - era * 400
    const doy = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1
    const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy
    return era * 146097 + doe - 719468
}

export function utcSeconds(f: UtcFields): number {
    return daysFromCivil(f.year, f.month, f.day) * 86400 + f.hours * 3600 + f.minutes * 60 + f.seconds
}

export function utcFields(seconds: number): UtcFields {
    const days = Math.floor(seconds / 86400)
    const rest = seconds - days * 86400
    const z = days + 719468
    const era = Math.floor(z / 146097)
    const doe = z - era * 146097
    const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365)
    const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100))
    const mp = Math.floor((5 * doy + 2) / 153)
    const month = mp < 10 ? mp + 3 : mp - 9
    return {
        year: yoe + era * 400 + (month <= 2 ? 1 : 0),
        month: month,
        day: doy - Math.floor((153 * mp + 2) / 5) + 1,
        hours: Math.floor(rest / 3600),
        minutes: Math.floor(rest / 60) - Math.floor(rest / 3600) * 60,
        seconds: rest - Math.floor(rest / 60) * 60,
    }
}

/** ISO 8601 weekday of the day `seconds` falls on: 1 Monday .. 7 Sunday (1970-01-01 was a Thursday). */
export function isoWeekday(seconds: number): number {
    const days = Math.floor(seconds / 86400) + 3
    return days - Math.floor(days / 7) * 7 + 1
}

function twoDigits(n: number): string {
    return (n < 10 ? "0" : "") + n
}

/** YYYY-MM-DDTHH:MM:SSZ, for years 1000-9999. */
export function utcText(seconds: number): string {
    const f = utcFields(seconds)
    return f.year + "-" + twoDigits(f.month) + "-" + twoDigits(f.day) + "T" + twoDigits(f.hours) + ":" + twoDigits(f.minutes) + ":" + twoDigits(f.seconds) + "Z"
}
