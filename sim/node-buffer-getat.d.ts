// DeviceScript's Buffer.getAt, declared for Node's type check of src/: at run time in Node only the
// literals that hex() in src/bytes.ts makes have it (the device's flash literals have it natively).

declare global {
    interface Buffer {
        getAt(offset: number, format: "i32"): number
    }
}

export {}
