// FormatError and its subclasses in Node (the same cases run in the VM: test/vm/protocol.test.ts).

import { describe, test } from "vitest"
import { formatErrorCases } from "../shared/format-error-cases"
import { nodeAkaPlatform, nodeHmacSha256 } from "../../sim/node-platform"

describe("FormatError", () => {
    for (const c of formatErrorCases(nodeAkaPlatform)) test(c.name, async () => await c.run({ hmacSha256: nodeHmacSha256, yieldSlice: async () => {} }))
})
