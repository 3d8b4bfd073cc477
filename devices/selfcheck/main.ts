// Crypto self-check firmware: the card side of one EAP-AKA' full authentication, computed by the
// bytecode from official test data, each result compared with the published value.
//   card profile K, OPc:  3GPP TS 35.208 test set 19
//   RAND, AUTN, keys:     RFC 9048 Appendix D, case 1 (identity "0555444333222111", network "WLAN")
// Flash it to a board to check the crypto core on real hardware; `npm start` runs it in the VM.
// Only public test data is handled here, and only RES (which travels in clear) is printed.

import * as ds from "@devicescript/core"
import { milenageKey } from "../../src/crypto/milenage"
import { cardVerifyAutn } from "../../src/crypto/aka"
import { SqnWindow } from "../../src/crypto/sqn"
import { deriveCkIkPrime, eapAkaPrimeKeys } from "../../src/crypto/eap-aka-prime-keys"
import { constantTimeEqual, fromHex, fromUtf8, toHex } from "../../src/bytes"
import { deviceHmacSha256 } from "../common/platform"

function report(what: string, actual: Buffer, expectedHex: string): boolean {
    const ok = constantTimeEqual(actual, fromHex(expectedHex))
    console.log((ok ? "  ok    " : "  WRONG ") + what)
    return ok
}

async function main(): Promise<void> {
    console.log("activecard self-check: card side of one EAP-AKA' authentication in the DeviceScript VM")
    const t0 = ds.millis()
    const key = milenageKey(fromHex("5122250214c33e723a5dd523fc145fc0"), fromHex("981d464c7c52eb6e5036234984ad0bcf"))
    const rand = fromHex("81e92b6c0ee0e12ebceba8d92a99dfa5")
    const autn = fromHex("bb52e91c747ac3ab2a5c23d15ee351d5")
    // The card last accepted the previous SEQ under the same IND as the server's SQN.
    const window = new SqnWindow()
    window.accept(0x16f3b3f70fc2 - 32)
    const aka = cardVerifyAutn(key, window, rand, autn, true)
    if (aka.kind !== "ok") {
        console.log("SELFCHECK FAILED: AUTN verification gave " + aka.kind)
        return
    }
    console.log("  ok    AUTN authentic (MAC-A = f1), SQN fresh, AMF separation bit set")
    await ds.sleep(0)
    let ok = report("RES = f2 (TS 35.208 set 19): " + toHex(aka.res), aka.res, "28d7b0f2a2ec3de5")
    ok = report("CK = f3", aka.ck, "5349fbe098649f948f5d2e973a81c00f") && ok
    ok = report("IK = f4", aka.ik, "9744871ad32bf9bbd1dd5ce54e3e2e5a") && ok
    const p = deriveCkIkPrime(deviceHmacSha256, aka.ck, aka.ik, fromUtf8("WLAN"), aka.sqnXorAk)
    ok = report("CK' (RFC 9048 D case 1)", p.ckPrime, "0093962d0dd84aa5684b045c9edffa04") && ok
    ok = report("IK'", p.ikPrime, "ccfc230ca74fcc96c0a5d61164f5a76c") && ok
    const k = eapAkaPrimeKeys(deviceHmacSha256, fromUtf8("0555444333222111"), p.ckPrime, p.ikPrime)
    ok = report("K_encr", k.kEncr, "766fa0a6c317174b812d52fbcd11a179") && ok
    ok = report("K_aut", k.kAut, "0842ea722ff6835bfa2032499fc3ec23c2f0e388b4f07543ffc677f1696d71ea") && ok
    ok = report("K_re", k.kRe, "cf83aa8bc7e0aced892acc98e76a9b2095b558c7795c7094715cb3393aa7d17a") && ok
    ok = report(
        "MSK",
        k.msk,
        "67c42d9aa56c1b79e295e3459fc3d187d42be0bf818d3070e362c5e967a4d544e8ecfe19358ab3039aff03b7c930588c055babee58a02650b067ec4e9347c75a",
    ) && ok
    ok = report(
        "EMSK",
        k.emsk,
        "f861703cd775590e16c7679ea3874ada866311de290764d760cf76df647ea01c313f69924bdd7650ca9bac141ea075c4ef9e8029c0e290cdbad5638b63bc23fb",
    ) && ok
    console.log("  card-side computation took " + (ds.millis() - t0) + " ms (VM test mode, GC stress on)")
    console.log(ok ? "SELFCHECK OK" : "SELFCHECK FAILED")
}

await main()
ds.restart()
