// The card's TLS 1.3 key schedule and record protection against RFC 8448 section 3 (the simple
// 1-RTT handshake, TLS_AES_128_GCM_SHA256, X25519), written to run in Node and inside the
// DeviceScript VM: every secret and key of the trace from its ECDHE input and transcript, the
// server's protected flight opened, the client's Finished and application records sealed to the
// trace's bytes, and damaged records refused with the alert they deserve; and the resumption of
// section 4: the ticket's PSK from section 3's resumption master secret, and the ClientHello's
// PSK binder.

import { concat, fromHex, toHex } from "../../src/bytes"
import { x25519 } from "../../src/crypto/x25519"
import { HmacSha256 } from "../../src/crypto/hmac-sha256"
import { Sha256 } from "../../src/crypto/sha256"
import {
    deriveSecret,
    earlySecret,
    finishedVerifyData,
    handshakeSecret,
    HASH_LENGTH,
    hkdfExpandLabel,
    masterSecret,
    TlsHash,
    trafficKeys,
} from "../../src/tls/key-schedule"
import { CONTENT_APPLICATION_DATA, CONTENT_HANDSHAKE, readRecord, RecordProtection, TlsRecord } from "../../src/tls/record-protection"
import { ALERT_BAD_RECORD_MAC, ALERT_RECORD_OVERFLOW, ALERT_UNEXPECTED_MESSAGE, TlsAlert } from "../../src/tls/alert"
import { CryptoCase } from "./crypto-cases"

function ok(cond: boolean, what: string): void {
    if (!cond) throw new Error(what)
}

/** The whole record at the start of `b`. */
function recordOf(b: Buffer): TlsRecord {
    const r = readRecord(b, 0)
    if (r === null) throw new Error("no whole record")
    return r
}

function eq(actual: Buffer, expectedHex: string, what: string): void {
    ok(toHex(actual) === expectedHex, what + ": " + toHex(actual))
}

// RFC 8448 section 3: the handshake messages (without record headers) and the records.
const CLIENT_HELLO =
    "010000c00303cb34ecb1e78163ba1c38c6dacb196a6dffa21a8d9912ec18a2ef6283024dece7000006130113031302010000910000000b0009000006736572766572ff01000100000a00140012001d0017001800190100010101020103010400230000003300260024001d002099381de560e4bd43d23d8e435a7dbafeb3c06e51c13cae4d5413691e529aaf2c002b0003020304000d0020001e040305030603020308040805080604010501060102010402050206020202002d00020101001c00024001"
const SERVER_HELLO =
    "020000560303a6af06a4121860dc5e6e60249cd34c95930c8ac5cb1434dac155772ed3e2692800130100002e00330024001d0020c9828876112095fe66762bdbf7c672e156d6cc253b833df1dd69b1b04e751f0f002b00020304"
const ENCRYPTED_EXTENSIONS = "080000240022000a00140012001d00170018001901000101010201030104001c0002400100000000"
const CERTIFICATE =
    "0b0001b9000001b50001b0308201ac30820115a003020102020102300d06092a864886f70d01010b0500300e310c300a06035504031303727361301e170d3136303733303031323335395a170d3236303733303031323335395a300e310c300a0603550403130372736130819f300d06092a864886f70d010101050003818d0030818902818100b4bb498f8279303d980836399b36c6988c0c68de55e1bdb826d3901a2461eafd2de49a91d015abbc9a95137ace6c1af19eaa6af98c7ced43120998e187a80ee0ccb0524b1b018c3e0b63264d449a6d38e22a5fda430846748030530ef0461c8ca9d9efbfae8ea6d1d03e2bd193eff0ab9a8002c47428a6d35a8d88d79f7f1e3f0203010001a31a301830090603551d1304023000300b0603551d0f0404030205a0300d06092a864886f70d01010b05000381810085aad2a0e5b9276b908c65f73a7267170618a54c5f8a7b337d2df7a594365417f2eae8f8a58c8f8172f9319cf36b7fd6c55b80f21a03015156726096fd335e5e67f2dbf102702e608ccae6bec1fc63a42a99be5c3eb7107c3c54e9b9eb2bd5203b1c3b84e0a8b2f759409ba3eac9d91d402dcc0cc8f8961229ac9187b42b4de10000"
const CERTIFICATE_VERIFY =
    "0f000084080400805a747c5d88fa9bd2e55ab085a61015b7211f824cd484145ab3ff52f1fda8477b0b7abc90db78e2d33a5c141a078653fa6bef780c5ea248eeaaa785c4f394cab6d30bbe8d4859ee511f602957b15411ac027671459e46445c9ea58c181e818e95b8c3fb0bf3278409d3be152a3da5043e063dda65cdf5aea20d53dfacd42f74f3"
const SERVER_FINISHED = "140000209b9b141d906337fbd2cbdce71df4deda4ab42c309572cb7fffee5454b78f0718"
const CLIENT_FINISHED = "14000020a8ec436d677634ae525ac1fcebe11a039ec17694fac6e98527b642f2edd5ce61"
const SERVER_FLIGHT_RECORD =
    "17030302a2d1ff334a56f5bff6594a07cc87b580233f500f45e489e7f33af35edf7869fcf40aa40aa2b8ea73f848a7ca07612ef9f945cb960b4068905123ea78b111b429ba9191cd05d2a389280f526134aadc7fc78c4b729df828b5ecf7b13bd9aefb0e57f271585b8ea9bb355c7c79020716cfb9b1183ef3ab20e37d57a6b9d7477609aee6e122a4cf51427325250c7d0e509289444c9b3a648f1d71035d2ed65b0e3cdd0cbae8bf2d0b227812cbb360987255cc744110c453baa4fcd610928d809810e4b7ed1a8fd991f06aa6248204797e36a6a73b70a2559c09ead686945ba246ab66e5edd8044b4c6de3fcf2a89441ac66272fd8fb330ef8190579b3684596c960bd596eea520a56a8d650f563aad27409960dca63d3e688611ea5e22f4415cf9538d51a200c27034272968a264ed6540c84838d89f72c24461aad6d26f59ecaba9acbbb317b66d902f4f292a36ac1b639c637ce343117b659622245317b49eeda0c6258f100d7d961ffb138647e92ea330faeea6dfa31c7a84dc3bd7e1b7a6c7178af36879018e3f252107f243d243dc7339d5684c8b0378bf30244da8c87c843f5e56eb4c5e8280a2b48052cf93b16499a66db7cca71e4599426f7d461e66f99882bd89fc50800becca62d6c74116dbd2972fda1fa80f85df881edbe5a37668936b335583b599186dc5c6918a396fa48a181d6b6fa4f9d62d513afbb992f2b992f67f8afe67f76913fa388cb5630c8ca01e0c65d11c66a1e2ac4c85977b7c7a6999bbf10dc35ae69f5515614636c0b9b68c19ed2e31c0b3b66763038ebba42f3b38edc0399f3a9f23faa63978c317fc9fa66a73f60f0504de93b5b845e275592c12335ee340bbc4fddd502784016e4b3be7ef04dda49f4b440a30cb5d2af939828fd4ae3794e44f94df5a631ede42c1719bfdabf0253fe5175be898e750edc53370d2b"
const CLIENT_FINISHED_RECORD = "170303003575ec4dc238cce60b298044a71e219c56cc77b0517fe9b93c7a4bfc44d87f38f80338ac98fc46deb384bd1caeacab6867d726c40546"
const CLIENT_APPLICATION_RECORD = "1703030043a23f7054b62c94d0affafe8228ba55cbefacea42f914aa66bcab3f2b9819a8a5b46b395bd54a9a20441e2b62974e1f5a6292a2977014bd1e3deae63aeebb21694915e4"
const APPLICATION_DATA = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f3031"

export function tls13Cases(hmac: HmacSha256, sha256: Sha256): CryptoCase[] {
    const h: TlsHash = { hmac: hmac, sha256: sha256 }
    const transcript = (hexes: string[]) => sha256(hexes.map((x) => fromHex(x)))
    const handshake = async (yieldSlice: () => Promise<void>) => {
        const shared = await x25519(fromHex("49af42ba7f7994852d713ef2784bcbcaa7911de26adc5642cb634540e7ea5005"), fromHex("c9828876112095fe66762bdbf7c672e156d6cc253b833df1dd69b1b04e751f0f"), yieldSlice)
        return handshakeSecret(h, earlySecret(h, null), shared)
    }
    return [
        {
            name: "TLS 1.3 key schedule, RFC 8448 section 3: early, handshake and master secrets, handshake traffic secrets and keys",
            run: async (env) => {
                const early = earlySecret(h, null)
                eq(early, "33ad0a1c607ec03b09e6cd9893680ce210adf300aa1f2660e1b22e10f170f92a", "early secret")
                eq(deriveSecret(h, early, "derived", sha256([])), "6f2615a108c702c5678f54fc9dbab69716c076189c48250cebeac3576c3611ba", "derived")
                const shared = await x25519(fromHex("49af42ba7f7994852d713ef2784bcbcaa7911de26adc5642cb634540e7ea5005"), fromHex("c9828876112095fe66762bdbf7c672e156d6cc253b833df1dd69b1b04e751f0f"), env.yieldSlice)
                eq(shared, "8bd4054fb55b9d63fdfbacf9f04b9f0d35e6d63f537563efd46272900f89492d", "X25519 shared secret")
                const hs = handshakeSecret(h, early, shared)
                eq(hs, "1dc826e93606aa6fdc0aadc12f741b01046aa6b99f691ed221a9f0ca043fbeac", "handshake secret")
                const th = transcript([CLIENT_HELLO, SERVER_HELLO])
                eq(th, "860c06edc07858ee8e78f0e7428c58edd6b43f2ca3e6e95f02ed063cf0e1cad8", "transcript hash ClientHello..ServerHello")
                const cHs = deriveSecret(h, hs, "c hs traffic", th)
                const sHs = deriveSecret(h, hs, "s hs traffic", th)
                eq(cHs, "b3eddb126e067f35a780b3abf45e2d8f3b1a950738f52e9600746a0e27a55a21", "client handshake traffic secret")
                eq(sHs, "b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38", "server handshake traffic secret")
                eq(masterSecret(h, hs), "18df06843d13a08bf2a449844c5f8a478001bc4d4c627984d5a41da8d0402919", "master secret")
                const sKeys = trafficKeys(h, sHs)
                eq(sKeys.key, "3fce516009c21727d0f2e4e86ee403bc", "server handshake key")
                eq(sKeys.iv, "5d313eb2671276ee13000b30", "server handshake IV")
                const cKeys = trafficKeys(h, cHs)
                eq(cKeys.key, "dbfaa693d1762c5b666af5d950258d01", "client handshake key")
                eq(cKeys.iv, "5bd3c71b836e0b76bb73265f", "client handshake IV")
            },
        },
        {
            name: "TLS 1.3 Finished and application secrets, RFC 8448 section 3: both verify_data, the application traffic and exporter master secrets",
            run: async (env) => {
                const hs = await handshake(env.yieldSlice)
                const th = transcript([CLIENT_HELLO, SERVER_HELLO])
                const toCertificateVerify = transcript([CLIENT_HELLO, SERVER_HELLO, ENCRYPTED_EXTENSIONS, CERTIFICATE, CERTIFICATE_VERIFY])
                eq(finishedVerifyData(h, deriveSecret(h, hs, "s hs traffic", th), toCertificateVerify), SERVER_FINISHED.slice(8), "server verify_data")
                const toServerFinished = transcript([CLIENT_HELLO, SERVER_HELLO, ENCRYPTED_EXTENSIONS, CERTIFICATE, CERTIFICATE_VERIFY, SERVER_FINISHED])
                eq(finishedVerifyData(h, deriveSecret(h, hs, "c hs traffic", th), toServerFinished), CLIENT_FINISHED.slice(8), "client verify_data")
                const master = masterSecret(h, hs)
                eq(deriveSecret(h, master, "c ap traffic", toServerFinished), "9e40646ce79a7f9dc05af8889bce6552875afa0b06df0087f792ebb7c17504a5", "client application traffic secret")
                const sAp = deriveSecret(h, master, "s ap traffic", toServerFinished)
                eq(sAp, "a11af9f05531f856ad47116b45a950328204b4f44bfb6b3a4b4f1f3fcb631643", "server application traffic secret")
                eq(deriveSecret(h, master, "exp master", toServerFinished), "fe22f881176eda18eb8f44529e6792c50c9a3f89452f68d8ae311b4309d3cf50", "exporter master secret")
                const sApKeys = trafficKeys(h, sAp)
                eq(sApKeys.key, "9f02283b6c9c07efc26bb9f2ac92e356", "server application key")
                eq(sApKeys.iv, "cf782b88dd83549aadf1e984", "server application IV")
            },
        },
        {
            name: "TLS 1.3 resumption, RFC 8448 sections 3 and 4: the resumption master secret, the ticket's PSK, the early secret, binder key and PSK binder",
            run: async (env) => {
                const master = masterSecret(h, await handshake(env.yieldSlice))
                const toClientFinished = transcript([CLIENT_HELLO, SERVER_HELLO, ENCRYPTED_EXTENSIONS, CERTIFICATE, CERTIFICATE_VERIFY, SERVER_FINISHED, CLIENT_FINISHED])
                eq(toClientFinished, "209145a96ee8e2a122ff810047cc952684658d6049e86429426db87c54ad143d", "transcript hash to the client's Finished")
                const resumption = deriveSecret(h, master, "res master", toClientFinished)
                eq(resumption, "7df235f2031d2a051287d02b0241b0bfdaf86cc856231f2d5aba46c434ec196c", "resumption master secret")
                // The section 3 ticket's nonce is 00 00.
                const psk = hkdfExpandLabel(h, resumption, "resumption", fromHex("0000"), HASH_LENGTH)
                eq(psk, "4ecd0eb6ec3b4d87f5d6028f922ca4c5851a277fd41311c9e62d2c9492e1c4f3", "the ticket's PSK")
                const early = earlySecret(h, psk)
                eq(early, "9b2188e9b2fc6d64d71dc329900e20bb41915000f678aa839cbb797cb7d8332c", "early secret from the PSK")
                const binderKey = deriveSecret(h, early, "res binder", sha256([]))
                eq(binderKey, "69fe131a3bbad5d63c64eebcc30e395b9d8107726a13d074e389dbc8a4e47256", "resumption binder key")
                // Section 4's ClientHello without its binders hashes to this.
                eq(finishedVerifyData(h, binderKey, fromHex("63224b2e4573f2d3454ca84b9d009a04f6be9e05711a8396473aefa01e924a14")), "3add4fb2d8fdf822a0ca3cf7678ef5e88dae990141c5924d57bb6fa31b9e5f9d", "PSK binder")
            },
        },
        {
            name: "TLS 1.3 records, RFC 8448 section 3: the server's flight opened, the client's Finished and application data sealed to the trace's bytes",
            run: async (env) => {
                const hs = await handshake(env.yieldSlice)
                const th = transcript([CLIENT_HELLO, SERVER_HELLO])
                const flight = fromHex(SERVER_FLIGHT_RECORD)
                const r = recordOf(flight)
                ok(r.end === flight.length, "one whole record")
                await env.yieldSlice()
                const opened = await new RecordProtection(trafficKeys(h, deriveSecret(h, hs, "s hs traffic", th)), env.yieldSlice).open(r)
                ok(opened.type === CONTENT_HANDSHAKE, "handshake content")
                eq(opened.content, ENCRYPTED_EXTENSIONS + CERTIFICATE + CERTIFICATE_VERIFY + SERVER_FINISHED, "the server's flight")
                await env.yieldSlice()
                const client = new RecordProtection(trafficKeys(h, deriveSecret(h, hs, "c hs traffic", th)), env.yieldSlice)
                eq(await client.seal(CONTENT_HANDSHAKE, fromHex(CLIENT_FINISHED)), CLIENT_FINISHED_RECORD, "the client's Finished record")
                const toServerFinished = transcript([CLIENT_HELLO, SERVER_HELLO, ENCRYPTED_EXTENSIONS, CERTIFICATE, CERTIFICATE_VERIFY, SERVER_FINISHED])
                const clientApp = new RecordProtection(trafficKeys(h, deriveSecret(h, masterSecret(h, hs), "c ap traffic", toServerFinished)), env.yieldSlice)
                eq(await clientApp.seal(CONTENT_APPLICATION_DATA, fromHex(APPLICATION_DATA)), CLIENT_APPLICATION_RECORD, "the client's application data record")
            },
        },
        {
            name: "TLS 1.3 records refused: a flipped bit (bad_record_mac), a record replayed out of sequence, a plaintext type where protection is due, oversize and unknown types",
            run: async (env) => {
                const hs = await handshake(env.yieldSlice)
                const keys = trafficKeys(h, deriveSecret(h, hs, "c hs traffic", transcript([CLIENT_HELLO, SERVER_HELLO])))
                const alertOf = async (f: () => Promise<unknown>): Promise<number> => {
                    try {
                        await f()
                    } catch (e) {
                        if (e instanceof TlsAlert) return e.alert
                        throw e
                    }
                    return -1
                }
                const record = fromHex(CLIENT_FINISHED_RECORD)
                const flipped = Buffer.from(record)
                flipped[20] ^= 4
                ok((await alertOf(async () => await new RecordProtection(keys, env.yieldSlice).open(recordOf(flipped)))) === ALERT_BAD_RECORD_MAC, "flipped bit")
                // The same record as the second one: the sequence number differs, so does the nonce.
                const reader = new RecordProtection(keys, env.yieldSlice)
                ok((await reader.open(recordOf(record))).type === CONTENT_HANDSHAKE, "first opening")
                ok((await alertOf(async () => await reader.open(recordOf(record)))) === ALERT_BAD_RECORD_MAC, "replayed record")
                ok((await alertOf(async () => await new RecordProtection(keys, env.yieldSlice).open(recordOf(fromHex("16030300020000"))))) === ALERT_UNEXPECTED_MESSAGE, "plaintext handshake record")
                ok((await alertOf(async () => readRecord(fromHex("1703034101"), 0))) === ALERT_RECORD_OVERFLOW, "record over 2^14 + 256")
                ok((await alertOf(async () => readRecord(fromHex("1803030001"), 0))) === ALERT_UNEXPECTED_MESSAGE, "unknown type")
                ok(readRecord(record.slice(0, 30), 0) === null, "a record not all arrived")
                ok(readRecord(concat([record, fromHex("1703")]), record.length) === null, "a header not all arrived")
            },
        },
    ]
}
