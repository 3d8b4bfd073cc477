// The published vectors (FIPS 197, SP 800-38A, RFC 3602, FIPS 180, RFC 2202, RFC 4231,
// TS 35.207/35.208, FIPS 186-2, RFC 4186, RFC 9048) through the portable crypto core in Node.
// The same cases run inside the DeviceScript VM in test/vm/crypto-vectors.test.ts.

import { describe, expect, test } from "vitest"
import { cryptoCases } from "../shared/crypto-cases"
import { nodeHmacSha256 } from "../../sim/node-platform"

const env = { hmacSha256: nodeHmacSha256, yieldSlice: async () => {} }

describe("crypto vectors in Node", () => {
    for (const c of cryptoCases()) {
        test(c.name, async () => {
            await expect(Promise.resolve().then(() => c.run(env))).resolves.toBeUndefined()
        })
    }
})
