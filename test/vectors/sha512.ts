// SHA-512 known-answer vectors, transcribed from the published standards.
//
// Sources:
//   FIPS 180-2 (Secure Hash Standard, August 1, 2002), Appendix C "SHA-512 Examples", and the same
//   messages in NIST's FIPS 180-4 "Examples with Intermediate Values" (CSRC, SHA512.pdf):
//     - C.1 "SHA-512 Example (One-Block Message)": M = "abc" (24 bits).
//     - C.2 "SHA-512 Example (Multi-Block Message)": M = "abcdefghbcdefghicdefghijdefghijk
//           efghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu"
//           (896 bits: the 0x80 pad and the length no longer fit, so it pads into two blocks).
//     - C.3 "SHA-512 Example (Long Message)": M = 1,000,000 repetitions of "a" (0x61).
//   NIST CAVP SHA Validation System (SHAVS) byte-oriented test vectors (shabytetestvectors,
//   CAVS 11.0, [L = 64]):
//     - SHA512ShortMsg.rsp, entries "Len = 0" (the .rsp prints "Msg = 00" with Len = 0, i.e. zero
//       bytes), "Len = 8", "Len = 16", "Len = 24", "Len = 896" (112 bytes: the first length whose
//       padding needs a second block), "Len = 1016" (127 bytes) and "Len = 1024" (128 bytes,
//       one full block and a padding block).
//     - SHA512LongMsg.rsp, its first entry "Len = 1816" (227 bytes, two blocks).
//
// `message` is hex; the full input is `message` repeated `repeat` times.

export interface Sha512Vector {
    name: string
    message: string
    repeat: number
    digest: string
}

export const SHA512_VECTORS: Sha512Vector[] = [
    {
        name: "FIPS 180-2 C.1 (abc)",
        // "abc"
        message: "616263",
        repeat: 1,
        digest: "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
    },
    {
        name: "FIPS 180-2 C.2 (896-bit two-block message)",
        // "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu"
        message:
            "61626364656667686263646566676869636465666768696a6465666768696a6b65666768696a6b6c666768696a6b6c6d6768696a6b6c6d6e68696a6b6c6d6e6f696a6b6c6d6e6f706a6b6c6d6e6f70716b6c6d6e6f7071726c6d6e6f707172736d6e6f70717273746e6f707172737475",
        repeat: 1,
        digest: "8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909",
    },
    {
        name: "FIPS 180-2 C.3 (one million a)",
        // one million repetitions of "a"
        message: "61",
        repeat: 1000000,
        digest: "e718483d0ce769644e2e42c7bc15b4638e1f98b13b2044285632a803afa973ebde0ff244877ea60a4cb0432ce577c31beb009c5c2c49aa2e4eadb217ad8cc09b",
    },
    {
        name: "NIST CAVP SHA512ShortMsg.rsp Len = 0",
        // empty message
        message: "",
        repeat: 1,
        digest: "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e",
    },
    {
        name: "NIST CAVP SHA512ShortMsg.rsp Len = 8",
        message: "21",
        repeat: 1,
        digest: "3831a6a6155e509dee59a7f451eb35324d8f8f2df6e3708894740f98fdee23889f4de5adb0c5010dfb555cda77c8ab5dc902094c52de3278f35a75ebc25f093a",
    },
    {
        name: "NIST CAVP SHA512ShortMsg.rsp Len = 16",
        message: "9083",
        repeat: 1,
        digest: "55586ebba48768aeb323655ab6f4298fc9f670964fc2e5f2731e34dfa4b0c09e6e1e12e3d7286b3145c61c2047fb1a2a1297f36da64160b31fa4c8c2cddd2fb4",
    },
    {
        name: "NIST CAVP SHA512ShortMsg.rsp Len = 24",
        message: "0a55db",
        repeat: 1,
        digest: "7952585e5330cb247d72bae696fc8a6b0f7d0804577e347d99bc1b11e52f384985a428449382306a89261ae143c2f3fb613804ab20b42dc097e5bf4a96ef919b",
    },
    {
        name: "NIST CAVP SHA512ShortMsg.rsp Len = 896",
        message:
            "518985977ee21d2bf622a20567124fcbf11c72df805365835ab3c041f4a9cd8a0ad63c9dee1018aa21a9fa3720f47dc48006f1aa3dba544950f87e627f369bc2793ede21223274492cceb77be7eea50e5a509059929a16d33a9f54796cde5770c74bd3ecc25318503f1a41976407aff2",
        repeat: 1,
        digest: "c00926a374cde55b8fbd77f50da1363da19744d3f464e07ce31794c5a61b6f9c85689fa1cfe136553527fd876be91673c2cac2dd157b2defea360851b6d92cf4",
    },
    {
        name: "NIST CAVP SHA512ShortMsg.rsp Len = 1016",
        message:
            "c13e6ca3abb893aa5f82c4a8ef754460628af6b75af02168f45b72f8f09e45ed127c203bc7bb80ff0c7bd96f8cc6d8110868eb2cfc01037d8058992a6cf2effcbfe498c842e53a2e68a793867968ba18efc4a78b21cdf6a11e5de821dcabab14921ddb33625d48a13baffad6fe8272dbdf4433bd0f7b813c981269c388f001",
        repeat: 1,
        digest: "6e56f77f6883d0bd4face8b8d557f144661989f66d51b1fe4b8fc7124d66d9d20218616fea1bcf86c08d63bf8f2f21845a3e519083b937e70aa7c358310b5a7c",
    },
    {
        name: "NIST CAVP SHA512ShortMsg.rsp Len = 1024",
        message:
            "fd2203e467574e834ab07c9097ae164532f24be1eb5d88f1af7748ceff0d2c67a21f4e4097f9d3bb4e9fbf97186e0db6db0100230a52b453d421f8ab9c9a6043aa3295ea20d2f06a2f37470d8a99075f1b8a8336f6228cf08b5942fc1fb4299c7d2480e8e82bce175540bdfad7752bc95b577f229515394f3ae5cec870a4b2f8",
        repeat: 1,
        digest: "a21b1077d52b27ac545af63b32746c6e3c51cb0cb9f281eb9f3580a6d4996d5c9917d2a6e484627a9d5a06fa1b25327a9d710e027387fc3e07d7c4d14c6086cc",
    },
    {
        name: "NIST CAVP SHA512LongMsg.rsp Len = 1816",
        message:
            "4f05600950664d5190a2ebc29c9edb89c20079a4d3e6bc3b27d75e34e2fa3d02768502bd69790078598d5fcf3d6779bfed1284bbe5ad72fb456015181d9587d6e864c940564eaafb4f2fead4346ea09b6877d9340f6b82eb1515880872213da3ad88feba9f4f13817a71d6f90a1a17c43a15c038d988b5b29edffe2d6a062813cedbe852cde302b3e33b696846d2a8e36bd680efcc6cd3f9e9a4c1ae8cac10cc5244d131677140399176ed46700019a004a163806f7fa467fc4e17b4617bbd7641aaff7ff56396ba8c08a8be100b33a20b5daf134a2aefa5e1c3496770dcf6baa4f7bb",
        repeat: 1,
        digest: "a9db490c708cc72548d78635aa7da79bb253f945d710e5cb677a474efc7c65a2aab45bc7ca1113c8ce0f3c32e1399de9c459535e8816521ab714b2a6cd200525",
    },
]
