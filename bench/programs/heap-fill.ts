// Heap probe: allocates 256-byte buffers (kept alive) until the VM runs out of memory, printing
// the count after each. Comparing the final count of programs that differ only in what they set
// up first gives the heap that setup holds, to within one buffer (about 270 bytes).

import * as ds from "@devicescript/core"

const keep: Buffer[] = []

export async function fillHeap(): Promise<void> {
    await ds.sleep(0)
    for (let i = 1; i < 100000; i++) {
        keep.push(Buffer.alloc(256))
        console.log("HEAP " + i)
        if (i % 50 === 0) await ds.sleep(0)
    }
}
