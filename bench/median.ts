/** The middle value of xs once sorted; for an even count, the upper of the two middle values (a measured figure, not an average of two). */
export function median(xs: number[]): number {
    const s = [...xs].sort((a, b) => a - b)
    return s[Math.floor(s.length / 2)]
}
