// The sealed signing key and the certificate store inside the DeviceScript VM, over the runtime's
// native HKDF and AES-256-CCM: the shared cases (test/shared/signing-key-cases.ts) must give the
// bytes Node gives. A last case times key generation and unsealing (one "VMTIME" line;
// test mode runs with GC stress, so the figures are upper bounds).

import * as ds from "@devicescript/core"
import { fixedSecret, PASSWORD, signingKeyCases, withRandom } from "../../shared/signing-key-cases"
import { countingRandom } from "../../shared/counting-random"
import { generateSigningKey, KEY_OK, KeyPlatform, unsealCounted } from "../../../src/certificate/signing-key"
import { deviceKeyPlatform } from "../../../devices/common/platform"
import { runVmCases, vmCase } from "./harness"

const platform: KeyPlatform = deviceKeyPlatform()

signingKeyCases().forEach((c) => {
    vmCase(c.name, async () => {
        await c.run(platform)
    })
})

// ds.millis() moves only across an await that suspends: unsealing is timed as 20 slices of 10
// unseals each, minus 20 empty slices.
vmCase("timing: key generation and unsealing", async () => {
    const t0 = ds.millis()
    const record = await generateSigningKey(PASSWORD, fixedSecret(), withRandom(platform, countingRandom(0x10)))
    const t1 = ds.millis()
    for (let i = 0; i < 20; i++) await ds.sleep(0)
    const t2 = ds.millis()
    for (let i = 0; i < 200; i++) {
        const r = await unsealCounted(record, PASSWORD, fixedSecret(), 5, async (n: number) => {}, platform, async (seed: Buffer) => Buffer.alloc(0))
        if (r.status !== KEY_OK) throw new Error("unseal failed")
        if (i % 10 === 9) await ds.sleep(0)
    }
    const t3 = ds.millis()
    console.log("VMTIME generate " + (t1 - t0) + " ms, unseal " + (t3 - t2 - (t2 - t1)) / 200 + " ms")
})

await runVmCases()
