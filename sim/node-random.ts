// Random bytes for Node-side servers, clients and simulated cards.

/** Random bytes from a refilled pool: one system call per 4 KB instead of one per request. */
export function pooledRandom(randomFill: (b: Buffer) => void): (n: number) => Buffer {
    let pool = Buffer.alloc(0)
    let used = 0
    return (n: number) => {
        if (n > 1024) {
            const b = Buffer.alloc(n)
            randomFill(b)
            return b
        }
        if (used + n > pool.length) {
            pool = Buffer.alloc(4096)
            randomFill(pool)
            used = 0
        }
        const out = Buffer.from(pool.subarray(used, used + n))
        pool.fill(0, used, used + n) // handed-out bytes do not linger in the pool
        used += n
        return out
    }
}
