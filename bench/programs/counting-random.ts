// The recordings' randomness for the VM benchmark programs: bytes counting up from `start`, as
// test/shared/pki-cases.ts countingRandom gives them in Node. Apart from that file so that a
// program does not carry the test vectors' modules (their state would count in a heap figure).

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
