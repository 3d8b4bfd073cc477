// A "random" source that counts: bytes start, start+1, ... across calls, a fixed stand-in for a
// device's random source, so that recordings and byte-exact comparisons repeat. A module of its
// own so that the VM benchmark programs take it without the test vectors' modules (their state
// would count in a heap figure).

export function countingRandom(start: number): (n: number) => Buffer {
    let next = start
    return (n: number) => {
        const out = Buffer.alloc(n)
        for (let i = 0; i < n; i++) {
            out[i] = next & 0xff
            next++
        }
        return out
    }
}
