// RADIUS codec and authenticator cases, written once and run twice: by vitest in Node
// (test/unit/radius-codec.test.ts) and inside the DeviceScript VM (test/vm/radius.test.ts), so
// the terminal's bytecode is held to the RFC 2865 examples and to packets computed by FreeRADIUS.
// Portable code only (see docs/devicescript.md, "What the VM imposes").

import { copyOf, fromHex, fromUtf8, toHex } from "../../src/bytes"
import {
    CODE_ACCESS_ACCEPT,
    CODE_ACCESS_CHALLENGE,
    CODE_ACCESS_REJECT,
    CODE_ACCESS_REQUEST,
    CODE_ACCOUNTING_REQUEST,
    CODE_ACCOUNTING_RESPONSE,
    CODE_STATUS_SERVER,
    decodePacket,
    encodePacket,
    frameLength,
    RadiusAttribute,
    RadiusFormatError,
    RadiusPacket,
    REASON_BAD_ATTRIBUTE,
    REASON_BAD_LAYOUT,
    REASON_BAD_LENGTH,
    REASON_BAD_VALUE,
    REASON_LENGTH_MISMATCH,
    REASON_SHORT,
    REASON_TOO_LONG,
} from "../../src/radius/packet"
import {
    ATTR_EAP_MESSAGE,
    ATTR_LOGIN_IP_HOST,
    ATTR_LOGIN_SERVICE,
    ATTR_MESSAGE_AUTHENTICATOR,
    ATTR_NAS_IP_ADDRESS,
    ATTR_NAS_PORT,
    ATTR_REPLY_MESSAGE,
    ATTR_SERVICE_TYPE,
    ATTR_STATE,
    ATTR_USER_NAME,
    ATTR_USER_PASSWORD,
    ATTR_VENDOR_SPECIFIC,
    bytesAttribute,
    getAttribute,
    integerAttribute,
    ipv4Attribute,
    readInteger,
    readIpv4,
    readText,
    textAttribute,
    withoutAttributes,
} from "../../src/radius/attributes"
import { eapMessageAttributes, joinEapMessage } from "../../src/radius/eap-message"
import {
    MAX_SYNC_PACKET,
    radiusSecret,
    RadiusSecret,
    signRequest,
    signRequestAsync,
    signResponse,
    signResponseAsync,
    verifyRequest,
    verifyRequestAsync,
    verifyResponse,
    verifyResponseAsync,
    withMessageAuthenticator,
} from "../../src/radius/authenticator"
import { hideUserPassword, recoverUserPassword } from "../../src/radius/user-password"
import {
    paymentAttributes,
    PaymentAttributes,
    readPaymentAttributes,
    VENDOR_ID,
    vendorSpecific,
    VSA_PAYMENT_AMOUNT,
    VSA_RESPONSE_CODE,
} from "../../src/radius/vendor"
import { hmacMd5 } from "../../src/crypto/hmac-md5"
import {
    RADCLIENT_ACCOUNTING,
    RADCLIENT_EAP_REQUEST,
    RADCLIENT_PAP,
    RADCLIENT_STATUS_SERVER,
    RFC2865_7_1,
    RFC2865_7_2,
    RFC2865_7_3_CHALLENGE,
    RFC2865_SECRET,
    RadiusExchangeVector,
} from "../vectors/radius"
import { check, eqHex, SharedCase, SharedCaseEnv } from "./md5-cases"

/** The RadiusFormatError reason f throws, or "" when it returns, or "other: ..." for another error. */
function reasonOf(f: () => void): string {
    try {
        f()
    } catch (e) {
        if (e instanceof RadiusFormatError) return e.reason
        return "other: " + e
    }
    return ""
}

function expectReason(f: () => void, reason: string, what: string): void {
    const r = reasonOf(f)
    if (r !== reason) throw new Error(what + ": got reason '" + r + "' expected '" + reason + "'")
}

function throwsRange(f: () => void): boolean {
    try {
        f()
    } catch (e) {
        return e instanceof RangeError
    }
    return false
}

/** Every byte of the packet flipped in turn (one at a time) must make `verify` false. */
async function everyByteMatters(packet: Buffer, verify: (p: Buffer) => boolean, env: SharedCaseEnv, what: string): Promise<void> {
    check(verify(packet), what + ": the intact packet does not verify")
    for (let i = 0; i < packet.length; i++) {
        const t = copyOf(packet)
        t[i] ^= 0x01
        check(!verify(t), what + ": flipping byte " + i + " went unnoticed")
        if ((i & 3) === 3) await env.yieldSlice()
    }
}

/** The response of an exchange, re-encoded from its decoded form and signed: it must equal the original bytes. */
function resign(v: RadiusExchangeVector, secret: RadiusSecret): Buffer {
    const req = decodePacket(fromHex(v.request))
    const resp = decodePacket(fromHex(v.response))
    const unsigned = encodePacket({ code: resp.code, identifier: resp.identifier, authenticator: Buffer.alloc(16), attributes: resp.attributes })
    return signResponse(unsigned, req.authenticator, secret)
}

function samePayment(a: PaymentAttributes, b: PaymentAttributes): boolean {
    const tx = (p: PaymentAttributes) => (p.transactionId ? toHex(p.transactionId) : "-")
    return (
        a.amount === b.amount &&
        a.currency === b.currency &&
        a.installments === b.installments &&
        a.merchantId === b.merchantId &&
        a.terminalId === b.terminalId &&
        tx(a) === tx(b) &&
        a.approvalNumber === b.approvalNumber &&
        a.responseCode === b.responseCode &&
        a.responseReason === b.responseReason
    )
}

/** A packet of exactly `size` bytes (code, attributes: Message-Authenticator placeholder, then filler Class attributes). */
function packetOfSize(code: number, size: number, eap: boolean): Buffer {
    const attrs: RadiusAttribute[] = withMessageAuthenticator([])
    let left = size - 20 - 18
    if (eap) {
        attrs.push({ type: ATTR_EAP_MESSAGE, value: fromHex("02010006fe00") })
        left -= 8
    }
    while (left > 0) {
        const n = Math.min(left, 255)
        // Never leave a remainder of 1 (an attribute is at least 2 bytes).
        const take = left - n === 1 ? n - 2 : n
        attrs.push({ type: 25, value: Buffer.alloc(take - 2) })
        left -= take
    }
    return encodePacket({ code: code, identifier: 7, authenticator: fromHex("00112233445566778899aabbccddeeff"), attributes: attrs })
}

export function radiusCases(): SharedCase[] {
    const cases: SharedCase[] = []
    const secret = radiusSecret(fromUtf8(RFC2865_SECRET))
    const wrong = radiusSecret(fromUtf8("xyzzy5462"))

    cases.push({
        name: "RFC 2865 7.1: the Access-Request decodes (nemo, 192.168.1.16, port 3) and re-encodes byte for byte",
        run: () => {
            const bytes = fromHex(RFC2865_7_1.request)
            const p = decodePacket(bytes)
            check(p.code === CODE_ACCESS_REQUEST && p.identifier === 0, "header")
            eqHex(p.authenticator, "0f403f9473978057bd83d5cb98f4227a", "Request Authenticator")
            check(p.attributes.length === 4, "four attributes")
            check(readText(getAttribute(p.attributes, ATTR_USER_NAME) as Buffer) === "nemo", "User-Name")
            check(readIpv4(getAttribute(p.attributes, ATTR_NAS_IP_ADDRESS) as Buffer) === "192.168.1.16", "NAS-IP-Address")
            check(readInteger(getAttribute(p.attributes, ATTR_NAS_PORT) as Buffer) === 3, "NAS-Port")
            eqHex(encodePacket(p), RFC2865_7_1.request, "re-encoded")
            // Without a Message-Authenticator an Access-Request verifies unless one is required.
            check(verifyRequest(bytes, secret, false), "accepted without Message-Authenticator")
            check(!verifyRequest(bytes, secret, true), "accepted although Message-Authenticator was required")
        },
    })
    cases.push({
        name: "RFC 2865 7.1: User-Password recovers \"arctangent\" (RFC 2865 5.2) and hides back to the same bytes",
        run: () => {
            const p = decodePacket(fromHex(RFC2865_7_1.request))
            const hidden = getAttribute(p.attributes, ATTR_USER_PASSWORD) as Buffer
            check(recoverUserPassword(hidden, p.authenticator, secret).toString("utf8") === "arctangent", "password")
            eqHex(hideUserPassword(fromUtf8("arctangent"), p.authenticator, secret), toHex(hidden), "hidden again")
            // 17..32 bytes take two chained blocks; 128 is the most.
            const long = fromUtf8("a password of more than sixteen bytes")
            eqHex(recoverUserPassword(hideUserPassword(long, p.authenticator, secret), p.authenticator, secret), toHex(long), "two blocks")
            expectReason(() => hideUserPassword(Buffer.alloc(129), p.authenticator, secret), REASON_BAD_VALUE, "129-byte password")
            expectReason(() => recoverUserPassword(Buffer.alloc(15), p.authenticator, secret), REASON_BAD_VALUE, "15-byte User-Password")
        },
    })
    cases.push({
        name: "RFC 2865 7.1: the Access-Accept built from its attributes and signed is the published packet (Response Authenticator)",
        run: () => {
            const req = decodePacket(fromHex(RFC2865_7_1.request))
            const reply = encodePacket({
                code: CODE_ACCESS_ACCEPT,
                identifier: req.identifier,
                authenticator: Buffer.alloc(16),
                attributes: [integerAttribute(ATTR_SERVICE_TYPE, 1), integerAttribute(ATTR_LOGIN_SERVICE, 0), ipv4Attribute(ATTR_LOGIN_IP_HOST, "192.168.1.3")],
            })
            const signed = signResponse(reply, req.authenticator, secret)
            eqHex(signed, RFC2865_7_1.response, "Access-Accept")
            check(verifyResponse(signed, req.authenticator, secret, false), "verifies")
            check(!verifyResponse(signed, req.authenticator, wrong, false), "verifies under another secret")
            check(!verifyResponse(signed, fromHex("0f403f9473978057bd83d5cb98f4227b"), secret, false), "verifies against another request")
            check(!verifyResponse(signed, req.authenticator, secret, true), "verifies although a Message-Authenticator was required")
        },
    })
    cases.push({
        name: "RFC 2865 7.1: every byte of the Access-Accept is covered by the Response Authenticator",
        run: async (env) => {
            const ra = decodePacket(fromHex(RFC2865_7_1.request)).authenticator
            await everyByteMatters(fromHex(RFC2865_7_1.response), (p) => verifyResponse(p, ra, secret, false), env, "7.1 Access-Accept")
        },
    })
    cases.push({
        name: "RFC 2865 7.2 (CHAP) and 7.3 (Access-Challenge) decode and re-encode; 7.2's printed authenticator does not verify",
        run: () => {
            const req = decodePacket(fromHex(RFC2865_7_2.request))
            check(readText(getAttribute(req.attributes, ATTR_USER_NAME) as Buffer) === "flopsy", "User-Name")
            check((getAttribute(req.attributes, 3) as Buffer).length === 17, "CHAP-Password: CHAP ID and 16-byte response")
            check(readInteger(getAttribute(req.attributes, ATTR_NAS_PORT) as Buffer) === 20, "NAS-Port")
            eqHex(encodePacket(req), RFC2865_7_2.request, "7.2 request re-encoded")
            const resp = decodePacket(fromHex(RFC2865_7_2.response))
            check(readInteger(getAttribute(resp.attributes, 12) as Buffer) === 1500, "Framed-MTU")
            check(readIpv4(getAttribute(resp.attributes, 8) as Buffer) === "255.255.255.254", "Framed-IP-Address")
            eqHex(encodePacket(resp), RFC2865_7_2.response, "7.2 response re-encoded")
            check(verifyResponse(fromHex(RFC2865_7_2.response), req.authenticator, secret, false) === RFC2865_7_2.responseVerifies, "7.2 authenticator")
            const ch = decodePacket(fromHex(RFC2865_7_3_CHALLENGE))
            check(ch.code === CODE_ACCESS_CHALLENGE && ch.identifier === 2, "7.3 header")
            check(readText(getAttribute(ch.attributes, ATTR_REPLY_MESSAGE) as Buffer) === "Challenge 32769430.  Enter response at prompt.", "Reply-Message")
            check((getAttribute(ch.attributes, ATTR_STATE) as Buffer).toString("utf8") === "32769430", "State")
            eqHex(encodePacket(ch), RFC2865_7_3_CHALLENGE, "7.3 re-encoded")
        },
    })
    cases.push({
        name: "radclient 3.2.1 Access-Request with EAP-Message: its Message-Authenticator verifies; wrong secret, no or a second Message-Authenticator do not",
        run: () => {
            const bytes = fromHex(RADCLIENT_EAP_REQUEST)
            check(verifyRequest(bytes, secret, false), "radclient's Message-Authenticator")
            check(!verifyRequest(bytes, wrong, false), "verifies under another secret")
            const p = decodePacket(bytes)
            eqHex(joinEapMessage(p.attributes) as Buffer, "02010009016e656d6f", "EAP-Response/Identity")
            // The same request without its Message-Authenticator: EAP-Message makes it mandatory (RFC 3579 3.2).
            const stripped = encodePacket({ code: p.code, identifier: p.identifier, authenticator: p.authenticator, attributes: withoutAttributes(p.attributes, ATTR_MESSAGE_AUTHENTICATOR) })
            check(!verifyRequest(stripped, secret, false), "EAP-Message without Message-Authenticator accepted")
            const doubled: RadiusAttribute[] = []
            p.attributes.forEach((a) => doubled.push(a))
            doubled.push(p.attributes[2])
            const twice = encodePacket({ code: p.code, identifier: p.identifier, authenticator: p.authenticator, attributes: doubled })
            check(!verifyRequest(twice, secret, false), "two Message-Authenticators accepted")
            // Signed by us, the Message-Authenticator goes first (radclient put it last): it verifies too.
            const ours = signRequest(encodePacket({ code: p.code, identifier: p.identifier, authenticator: p.authenticator, attributes: withMessageAuthenticator(p.attributes) }), secret)
            check(verifyRequest(ours, secret, true), "our signature of the same request")
        },
    })
    cases.push({
        name: "radclient 3.2.1 Access-Request with EAP-Message: every byte is covered by the Message-Authenticator",
        run: async (env) => {
            await everyByteMatters(fromHex(RADCLIENT_EAP_REQUEST), (p) => verifyRequest(p, secret, false), env, "radclient EAP request")
        },
    })
    const exchanges = [RADCLIENT_ACCOUNTING, RADCLIENT_STATUS_SERVER, RADCLIENT_PAP]
    exchanges.forEach((v) => {
        cases.push({
            name: v.name + ": the request verifies, and our response (accepted by radclient) is reproduced and verifies",
            run: () => {
                const req = fromHex(v.request)
                check(verifyRequest(req, secret, false), "radclient's request")
                // A PAP Access-Request has no Message-Authenticator: nothing in it can be checked
                // (and it fails when one is required). The others are authenticated.
                if (v === RADCLIENT_PAP) check(!verifyRequest(req, secret, true), "PAP request without Message-Authenticator accepted where required")
                else check(!verifyRequest(req, wrong, false), "request verifies under another secret")
                eqHex(resign(v, secret), v.response, "response")
                check(verifyResponse(fromHex(v.response), decodePacket(req).authenticator, secret, false), "response verifies")
                check(!verifyResponse(fromHex(v.response), decodePacket(req).authenticator, wrong, false), "response verifies under another secret")
            },
        })
    })
    cases.push({
        name: "radclient 3.2.1 Accounting-Request: every byte is covered by its Request Authenticator (RFC 2866)",
        run: async (env) => {
            await everyByteMatters(fromHex(RADCLIENT_ACCOUNTING.request), (p) => verifyRequest(p, secret, false), env, "radclient Accounting-Request")
        },
    })
    cases.push({
        name: "Message-Authenticator of a response is HMAC-MD5 over it with the Request Authenticator in place (RFC 3579 3.2)",
        run: () => {
            const requestAuth = fromHex("5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a")
            const eap = fromHex("03050004")
            const unsigned = encodePacket({ code: CODE_ACCESS_ACCEPT, identifier: 5, authenticator: Buffer.alloc(16), attributes: withMessageAuthenticator(eapMessageAttributes(eap)) })
            const signed = signResponse(unsigned, requestAuth, secret)
            // Recompute by hand: request authenticator in the header, 16 zero bytes as the value.
            const zeroed = copyOf(signed)
            zeroed.set(requestAuth, 4)
            for (let i = 0; i < 16; i++) zeroed[22 + i] = 0
            eqHex(copyOf(signed, 22, 38), toHex(hmacMd5(secret.secret, zeroed)), "Message-Authenticator")
            check(signed[20] === ATTR_MESSAGE_AUTHENTICATOR && signed[21] === 18, "Message-Authenticator first")
            check(verifyResponse(signed, requestAuth, secret, true), "verifies")
            // A response carrying EAP-Message without Message-Authenticator never verifies.
            const bare = signResponse(encodePacket({ code: CODE_ACCESS_ACCEPT, identifier: 5, authenticator: Buffer.alloc(16), attributes: eapMessageAttributes(eap) }), requestAuth, secret)
            check(!verifyResponse(bare, requestAuth, secret, false), "EAP-Message response without Message-Authenticator accepted")
        },
    })
    cases.push({
        name: "Access-Request, Status-Server and Accounting-Request sign and verify; a request code other than those does not",
        run: () => {
            const ra = fromHex("0102030405060708090a0b0c0d0e0f10")
            const attrs = withMessageAuthenticator([textAttribute(ATTR_USER_NAME, "card-1")])
            const access = signRequest(encodePacket({ code: CODE_ACCESS_REQUEST, identifier: 1, authenticator: ra, attributes: attrs }), secret)
            check(verifyRequest(access, secret, true), "Access-Request")
            eqHex(copyOf(access, 4, 20), toHex(ra), "the random Request Authenticator is kept")
            const status = signRequest(encodePacket({ code: CODE_STATUS_SERVER, identifier: 2, authenticator: ra, attributes: withMessageAuthenticator([]) }), secret)
            check(verifyRequest(status, secret, false), "Status-Server")
            const noMa = signRequest(encodePacket({ code: CODE_STATUS_SERVER, identifier: 2, authenticator: ra, attributes: [] }), secret)
            check(!verifyRequest(noMa, secret, false), "Status-Server without Message-Authenticator accepted (RFC 5997)")
            const acct = signRequest(encodePacket({ code: CODE_ACCOUNTING_REQUEST, identifier: 3, authenticator: Buffer.alloc(16), attributes: [integerAttribute(40, 1)] }), secret)
            check(verifyRequest(acct, secret, false), "Accounting-Request")
            const acctMa = signRequest(encodePacket({ code: CODE_ACCOUNTING_REQUEST, identifier: 4, authenticator: Buffer.alloc(16), attributes: withMessageAuthenticator([integerAttribute(40, 2)]) }), secret)
            check(verifyRequest(acctMa, secret, true), "Accounting-Request with Message-Authenticator")
            const odd = copyOf(access)
            odd[0] = CODE_ACCESS_ACCEPT
            check(!verifyRequest(odd, secret, false), "an Access-Accept verified as a request")
            check(!verifyResponse(access, ra, secret, false), "an Access-Request verified as a response")
            check(reasonOf(() => signRequest(odd, secret)) !== "", "signRequest of an Access-Accept")
        },
    })
    cases.push({
        name: "sync limit: signResponse and verifyResponse of a " + MAX_SYNC_PACKET + "-byte packet fit one VM slice; one byte more is refused",
        run: async (env) => {
            const ra = fromHex("000102030405060708090a0b0c0d0e0f")
            const p = packetOfSize(CODE_ACCESS_CHALLENGE, MAX_SYNC_PACKET, true)
            check(p.length === MAX_SYNC_PACKET, "packet size " + p.length)
            await env.yieldSlice()
            const signed = signResponse(p, ra, secret)
            await env.yieldSlice()
            check(verifyResponse(signed, ra, secret, true), "verifies")
            await env.yieldSlice()
            check(await verifyResponseAsync(signed, ra, secret, true, env.yieldSlice), "the async variant agrees")
            eqHex(await signResponseAsync(p, ra, secret, env.yieldSlice), toHex(signed), "async signature")
            const big = packetOfSize(CODE_ACCESS_CHALLENGE, MAX_SYNC_PACKET + 1, true)
            check(throwsRange(() => signResponse(big, ra, secret)), "signResponse over the limit not refused")
            check(throwsRange(() => verifyResponse(big, ra, secret, false)), "verifyResponse over the limit not refused")
        },
    })
    cases.push({
        name: "sync limit: signRequest and verifyRequest of a " + MAX_SYNC_PACKET + "-byte Accounting-Request fit one VM slice",
        run: async (env) => {
            const p = packetOfSize(CODE_ACCOUNTING_REQUEST, MAX_SYNC_PACKET, false)
            p.set(Buffer.alloc(16), 4)
            await env.yieldSlice()
            const signed = signRequest(p, secret)
            await env.yieldSlice()
            check(verifyRequest(signed, secret, true), "verifies")
            await env.yieldSlice()
            check(await verifyRequestAsync(signed, secret, true, env.yieldSlice), "the async variant agrees")
            eqHex(await signRequestAsync(p, secret, env.yieldSlice), toHex(signed), "async signature")
        },
    })
    cases.push({
        name: "async: a 4096-byte Access-Challenge with EAP-Message signs and verifies across VM slices",
        run: async (env) => {
            const ra = fromHex("f0e0d0c0b0a090807060504030201000")
            const eap = Buffer.alloc(3800)
            eap[0] = 1
            eap[1] = 9
            eap[2] = 3800 >> 8
            eap[3] = 3800 & 0xff
            for (let i = 4; i < eap.length; i++) eap[i] = i & 0xff
            await env.yieldSlice()
            const attrs = withMessageAuthenticator(eapMessageAttributes(eap))
            const filler = 4096 - 20 - 18 - (3800 + 2 * attrs.length - 2)
            attrs.push(bytesAttribute(ATTR_STATE, Buffer.alloc(filler - 2)))
            const p = encodePacket({ code: CODE_ACCESS_CHALLENGE, identifier: 200, authenticator: Buffer.alloc(16), attributes: attrs })
            check(p.length === 4096, "packet of " + p.length + " bytes")
            await env.yieldSlice()
            const signed = await signResponseAsync(p, ra, secret, env.yieldSlice)
            check(await verifyResponseAsync(signed, ra, secret, true, env.yieldSlice), "verifies")
            signed[4000] ^= 0x80
            check(!(await verifyResponseAsync(signed, ra, secret, true, env.yieldSlice)), "a flipped bit verifies")
            signed[4000] ^= 0x80
            await env.yieldSlice()
            eqHex(joinEapMessage(decodePacket(signed).attributes) as Buffer, toHex(eap), "EAP packet")
        },
    })
    cases.push({
        name: "EAP-Message (RFC 3579 3.1): split into <= 253-byte attributes and joined back at the boundary sizes",
        run: async (env) => {
            const sizes = [4, 5, 252, 253, 254, 506, 507, 1000]
            for (let k = 0; k < sizes.length; k++) {
                const n = sizes[k]
                const eap = Buffer.alloc(n)
                eap[0] = 2
                eap[2] = n >> 8
                eap[3] = n & 0xff
                for (let i = 4; i < n; i++) eap[i] = (i * 7) & 0xff
                const attrs = eapMessageAttributes(eap)
                check(attrs.length === Math.ceil(n / 253), n + " bytes: " + attrs.length + " attributes")
                for (let i = 0; i < attrs.length; i++) check(attrs[i].value.length <= 253 && attrs[i].value.length > 0, "fragment size")
                eqHex(joinEapMessage(attrs) as Buffer, toHex(eap), n + " bytes joined")
                await env.yieldSlice()
            }
            // EAP-Start: one empty EAP-Message.
            const start = eapMessageAttributes(Buffer.alloc(0))
            check(start.length === 1 && start[0].value.length === 0, "EAP-Start attribute")
            check((joinEapMessage(start) as Buffer).length === 0, "EAP-Start joined")
            check(joinEapMessage([textAttribute(ATTR_USER_NAME, "x")]) === null, "no EAP-Message")
        },
    })
    cases.push({
        name: "EAP-Message refused: not consecutive, EAP Length mismatch, shorter than a header, empty fragment",
        run: () => {
            const eap = Buffer.alloc(300)
            eap[0] = 2
            eap[2] = 300 >> 8
            eap[3] = 300 & 0xff
            const parts = eapMessageAttributes(eap)
            const split: RadiusAttribute[] = [parts[0], textAttribute(ATTR_USER_NAME, "x"), parts[1]]
            expectReason(() => joinEapMessage(split), REASON_BAD_LAYOUT, "non-consecutive")
            expectReason(() => joinEapMessage([parts[0]]), REASON_BAD_VALUE, "first fragment alone")
            expectReason(() => joinEapMessage([{ type: ATTR_EAP_MESSAGE, value: fromHex("020100") }]), REASON_BAD_VALUE, "3 bytes")
            expectReason(() => joinEapMessage([parts[0], { type: ATTR_EAP_MESSAGE, value: Buffer.alloc(0) }, parts[1]]), REASON_BAD_VALUE, "empty fragment")
            expectReason(() => joinEapMessage([{ type: ATTR_EAP_MESSAGE, value: Buffer.alloc(0) }, { type: ATTR_EAP_MESSAGE, value: Buffer.alloc(0) }]), REASON_BAD_VALUE, "two EAP-Starts")
        },
    })
    cases.push({
        name: "payment VSAs (vendor 32473): every field round-trips; the wire layout is RFC 2865 5.26",
        run: () => {
            const full: PaymentAttributes = {
                amount: 281474976710655,
                currency: 410,
                installments: 12,
                merchantId: "MERCHANT0000001",
                terminalId: "TERM0001",
                transactionId: fromHex("0102030405060708"),
                approvalNumber: "A1B2C3",
                responseCode: "00",
                responseReason: "승인 approved",
            }
            const attrs = paymentAttributes(full)
            check(attrs.length === 9, "one Vendor-Specific per field")
            check(samePayment(readPaymentAttributes(attrs), full), "round trip")
            // Through a whole packet.
            const p = decodePacket(encodePacket({ code: CODE_ACCESS_ACCEPT, identifier: 1, authenticator: Buffer.alloc(16), attributes: attrs }))
            check(samePayment(readPaymentAttributes(p.attributes), full), "round trip through a packet")
            // Payment-Amount 12345 = 1a 0c | 00 00 7e d9 | 01 08 | 00 00 00 00 30 39
            const one = paymentAttributes({ amount: 12345 })[0]
            check(one.type === ATTR_VENDOR_SPECIFIC, "type 26")
            eqHex(one.value, "00007ed90108000000003039", "Payment-Amount VSA value")
            eqHex(paymentAttributes({ currency: 978 })[0].value, "00007ed9020403d2", "Payment-Currency EUR")
            eqHex(paymentAttributes({ responseCode: "51" })[0].value, "00007ed908043531", "Response-Code 51")
            check(readPaymentAttributes([]).amount === undefined, "absent fields stay undefined")
            // Several sub-attributes in one Vendor-Specific, other vendors and unknown sub-types.
            const packed = vendorSpecific(VENDOR_ID, [
                { type: VSA_PAYMENT_AMOUNT, value: fromHex("000000000064") },
                { type: 200, value: fromHex("ff") },
                { type: VSA_RESPONSE_CODE, value: fromUtf8("05") },
            ])
            const other = vendorSpecific(9, [{ type: VSA_PAYMENT_AMOUNT, value: fromHex("01") }])
            const r = readPaymentAttributes([other, packed])
            check(r.amount === 100 && r.responseCode === "05", "packed sub-attributes")
        },
    })
    cases.push({
        name: "payment VSAs: out-of-range values are refused when encoding and when decoding",
        run: () => {
            const enc = (p: PaymentAttributes, what: string) => expectReason(() => paymentAttributes(p), REASON_BAD_VALUE, what)
            enc({ amount: 281474976710656 }, "amount 2^48")
            enc({ amount: -1 }, "negative amount")
            enc({ amount: 1.5 }, "fractional amount")
            enc({ currency: 0 }, "currency 0")
            enc({ currency: 1000 }, "currency 1000")
            enc({ installments: 256 }, "installments 256")
            enc({ merchantId: "" }, "empty merchant")
            enc({ merchantId: "M234567890123456" }, "16-character merchant")
            enc({ terminalId: "T23456789" }, "9-character terminal")
            enc({ terminalId: "T\u00e9" }, "non-ASCII terminal")
            enc({ transactionId: Buffer.alloc(7) }, "7-byte transaction id")
            enc({ approvalNumber: "12345" }, "5-character approval")
            enc({ responseCode: "0" }, "1-character response code")
            enc({ responseCode: "0\n" }, "control character")
            enc({ responseReason: "" }, "empty reason")
            const long: string[] = []
            for (let i = 0; i < 201; i++) long.push("x")
            enc({ responseReason: long.join("") }, "201-byte reason")
            const dec = (type: number, hex: string, reason: string, what: string) =>
                expectReason(() => readPaymentAttributes([vendorSpecific(VENDOR_ID, [{ type: type, value: fromHex(hex) }])]), reason, what)
            dec(1, "0000000064", REASON_BAD_VALUE, "5-byte amount")
            dec(2, "03e8", REASON_BAD_VALUE, "currency 1000")
            dec(2, "0000", REASON_BAD_VALUE, "currency 0")
            dec(3, "0102", REASON_BAD_VALUE, "2-byte installments")
            dec(4, "", REASON_BAD_VALUE, "empty merchant")
            dec(5, "7f", REASON_BAD_VALUE, "DEL in terminal id")
            dec(6, "01", REASON_BAD_VALUE, "1-byte transaction id")
            dec(7, "3132333435", REASON_BAD_VALUE, "5-character approval")
            dec(8, "303030", REASON_BAD_VALUE, "3-character response code")
            dec(9, "c3", REASON_BAD_VALUE, "truncated UTF-8 reason")
            dec(9, "eda080", REASON_BAD_VALUE, "surrogate in reason")
            dec(9, "c0af", REASON_BAD_VALUE, "overlong UTF-8 in reason")
            const twice = [vendorSpecific(VENDOR_ID, [{ type: 8, value: fromUtf8("00") }]), vendorSpecific(VENDOR_ID, [{ type: 8, value: fromUtf8("05") }])]
            expectReason(() => readPaymentAttributes(twice), REASON_BAD_LAYOUT, "response code given twice")
            const broken: RadiusAttribute = { type: ATTR_VENDOR_SPECIFIC, value: fromHex("00007ed90109000000") }
            expectReason(() => readPaymentAttributes([broken]), REASON_BAD_ATTRIBUTE, "sub-attribute running past the end")
            expectReason(() => readPaymentAttributes([{ type: ATTR_VENDOR_SPECIFIC, value: fromHex("00007ed9") }]), REASON_BAD_ATTRIBUTE, "no sub-attribute")
            expectReason(() => vendorSpecific(VENDOR_ID, [{ type: 9, value: Buffer.alloc(248) }]), REASON_TOO_LONG, "VSA over 253 bytes")
        },
    })
    cases.push({
        name: "strict decoding: each malformation has its reason; frameLength cuts TCP frames",
        run: () => {
            const good = fromHex(RFC2865_7_1.request)
            expectReason(() => decodePacket(copyOf(good, 0, 19)), REASON_SHORT, "19 bytes")
            const withLen = (n: number) => {
                const b = copyOf(good)
                b[2] = n >> 8
                b[3] = n & 0xff
                return b
            }
            expectReason(() => decodePacket(withLen(19)), REASON_BAD_LENGTH, "Length 19")
            expectReason(() => decodePacket(withLen(4097)), REASON_BAD_LENGTH, "Length 4097")
            expectReason(() => decodePacket(withLen(55)), REASON_LENGTH_MISMATCH, "Length shorter than the datagram")
            const padded = Buffer.alloc(good.length + 1)
            padded.set(good, 0)
            expectReason(() => decodePacket(padded), REASON_LENGTH_MISMATCH, "a byte past Length")
            const zeroLen = copyOf(good)
            zeroLen[21] = 0
            expectReason(() => decodePacket(zeroLen), REASON_BAD_ATTRIBUTE, "attribute length 0")
            const oneLen = copyOf(good)
            oneLen[21] = 1
            expectReason(() => decodePacket(oneLen), REASON_BAD_ATTRIBUTE, "attribute length 1")
            const over = copyOf(good)
            over[good.length - 5] = 7
            expectReason(() => decodePacket(over), REASON_BAD_ATTRIBUTE, "last attribute past the end")
            const lone = encodePacket({ code: 1, identifier: 0, authenticator: Buffer.alloc(16), attributes: [] })
            const loneType = Buffer.alloc(21)
            loneType.set(lone, 0)
            loneType[3] = 21
            loneType[20] = 1
            expectReason(() => decodePacket(loneType), REASON_BAD_ATTRIBUTE, "a type byte without length")
            // Encoding refuses what decoding would refuse.
            expectReason(() => encodePacket({ code: 1, identifier: 256, authenticator: Buffer.alloc(16), attributes: [] }), "bad-field", "identifier 256")
            expectReason(() => encodePacket({ code: 1, identifier: 0, authenticator: Buffer.alloc(15), attributes: [] }), "bad-field", "15-byte authenticator")
            expectReason(() => encodePacket({ code: 1, identifier: 0, authenticator: Buffer.alloc(16), attributes: [{ type: 1, value: Buffer.alloc(254) }] }), REASON_TOO_LONG, "254-byte value")
            const many: RadiusAttribute[] = []
            for (let i = 0; i < 17; i++) many.push({ type: 25, value: Buffer.alloc(253) })
            expectReason(() => encodePacket({ code: 1, identifier: 0, authenticator: Buffer.alloc(16), attributes: many }), REASON_TOO_LONG, "4322-byte packet")
            // TCP framing: two packets back to back, then a partial one.
            const two = Buffer.alloc(good.length * 2 + 3)
            two.set(good, 0)
            two.set(good, good.length)
            two.set(copyOf(good, 0, 3), 2 * good.length)
            check(frameLength(two, 0) === good.length && frameLength(two, good.length) === good.length, "frame lengths")
            check(frameLength(two, 2 * good.length) === -1, "3 bytes are not enough to cut a frame")
            const bad = copyOf(good)
            bad[2] = 0
            bad[3] = 3
            expectReason(() => frameLength(bad, 0), REASON_BAD_LENGTH, "frame Length 3")
        },
    })
    cases.push({
        name: "attribute helpers: integer, text, address, Proxy-State order and the empty packet",
        run: () => {
            eqHex(integerAttribute(ATTR_NAS_PORT, 0xffffffff).value, "ffffffff", "integer max")
            check(reasonOf(() => integerAttribute(ATTR_NAS_PORT, 0x100000000)) === REASON_BAD_VALUE, "integer 2^32")
            check(reasonOf(() => readInteger(fromHex("010203"))) === REASON_BAD_VALUE, "3-byte integer")
            check(reasonOf(() => readText(fromHex("ff"))) === REASON_BAD_VALUE, "0xff is not UTF-8")
            check(readText(fromHex("e282ac")) === "\u20ac", "euro sign")
            check(reasonOf(() => ipv4Attribute(ATTR_NAS_IP_ADDRESS, "1.2.3.256")) === REASON_BAD_VALUE, "octet 256")
            check(reasonOf(() => ipv4Attribute(ATTR_NAS_IP_ADDRESS, "1.2.3")) === REASON_BAD_VALUE, "three octets")
            check(reasonOf(() => textAttribute(ATTR_REPLY_MESSAGE, "")) === REASON_BAD_VALUE, "empty text")
            const empty: RadiusPacket = decodePacket(encodePacket({ code: CODE_ACCESS_REJECT, identifier: 9, authenticator: Buffer.alloc(16), attributes: [] }))
            check(empty.attributes.length === 0 && empty.code === CODE_ACCESS_REJECT, "empty packet")
            const resp = decodePacket(fromHex(RADCLIENT_ACCOUNTING.response))
            check(resp.code === CODE_ACCOUNTING_RESPONSE, "Accounting-Response")
        },
    })
    return cases
}
