// Compiles test/vm/programs/eap-tls-peer.ts with the real DeviceScript compiler and runs the
// bytecode in the real VM: the card's EAP-TLS 1.3 peer (TLS client, X25519, Ed25519, AES-128-GCM)
// replays exchanges recorded in Node against the server's EAP-TLS session, answer for answer: an
// authentication alone, a payment confirmed and approved inside the tunnel, and a payment resumed
// with the ticket of an earlier recorded exchange.

import { describe, expect, test } from "vitest"
import { join } from "node:path"
import { buildProgram, IMAGE_LIMIT_SIMULATOR, ROOT, runTestMode } from "../../sim/vm/devs-cli"
import { eapTlsPaymentReplayCases, eapTlsReplayCases, eapTlsResumedReplayCases } from "../shared/eap-tls-replay-cases"
import { makeEapTlsVectors, makeResumedEapTlsVectors, RECORDED_PAYMENT, writeEapTlsVectorsModule } from "../support/eap-tls-vectors"
import { nodeTlsHash } from "../../sim/node-platform"
import { declareVmCases } from "../support/vm-cases"

const vectors = await makeEapTlsVectors()
// The payment's full exchange and its resumption share the CA and certificates (the image holds their strings once).
const { full: paymentVectors, resumed: resumedVectors } = await makeResumedEapTlsVectors(RECORDED_PAYMENT)
// Two images, each with part of the recordings, so that each fits the simulator's deploy limit.
const GENERATED = join(ROOT, "test/vm/programs/generated/eap-tls-vectors.ts")
writeEapTlsVectorsModule(GENERATED, vectors, paymentVectors, null)
const program = await buildProgram("test/vm/programs/eap-tls-peer.ts", "eap-tls-peer")
writeEapTlsVectorsModule(GENERATED, null, null, resumedVectors)
const resumedProgram = await buildProgram("test/vm/programs/eap-tls-peer.ts", "eap-tls-peer-resumed")
const run = await runTestMode(program, 240_000)
const resumedRun = await runTestMode(resumedProgram, 240_000)

describe(`the card's EAP-TLS 1.3 peer inside the DeviceScript VM (image ${program.imageBytes} bytes)`, () => {
    test("the image fits the simulator's deploy limit (110,464 bytes; over it the VM runs nothing)", () => {
        expect(program.imageBytes).toBeLessThanOrEqual(IMAGE_LIMIT_SIMULATOR)
    })
    declareVmCases(run, eapTlsReplayCases(vectors, nodeTlsHash).length + eapTlsPaymentReplayCases(paymentVectors, nodeTlsHash).length)
})

describe(`the card's EAP-TLS 1.3 peer resuming inside the DeviceScript VM (image ${resumedProgram.imageBytes} bytes)`, () => {
    test("the image fits the simulator's deploy limit", () => {
        expect(resumedProgram.imageBytes).toBeLessThanOrEqual(IMAGE_LIMIT_SIMULATOR)
    })
    declareVmCases(resumedRun, eapTlsResumedReplayCases(resumedVectors, nodeTlsHash).length)
})
