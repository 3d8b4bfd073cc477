// SHA-1 known-answer vectors, transcribed from the published standards.
//
// Sources:
//   FIPS 180-2 (Secure Hash Standard, August 1, 2002), Appendix A "SHA-1 Examples":
//     - A.1 "SHA-1 Example (One-Block Message)": M = "abc" (24 bits).
//     - A.2 "SHA-1 Example (Multi-Block Message)":
//           M = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq" (448 bits).
//     - A.3 "SHA-1 Example (Long Message)": M = 1,000,000 repetitions of "a" (0x61).
//     (The same three messages and digests are in RFC 3174 section 7.3, TEST1..TEST3,
//     and A.1/A.2 in NIST's FIPS 180-4 "Examples with Intermediate Values", SHA1.pdf.)
//   NIST CAVP SHA Validation System (SHAVS) byte-oriented test vectors,
//   file SHA1ShortMsg.rsp (CAVS 11.0, "SHA-1 ShortMsg", [L = 20]), entry "Len = 0":
//     the empty message (the .rsp prints "Msg = 00" with Len = 0, i.e. zero bytes).
//
// Not included: the 896-bit message "abcdefghbcdefghi...nopqrstu". NIST publishes it
// only as the two-block sample for SHA-384/SHA-512 (and in FIPS 180-2 Appendices C.2/D.2);
// no NIST or RFC document gives a SHA-1 digest for it.
//
// `message` is hex; the full input is `message` repeated `repeat` times.

export interface Sha1Vector {
    name: string
    message: string
    repeat: number
    digest: string
}

export const SHA1_VECTORS: Sha1Vector[] = [
    {
        name: "FIPS 180-2 A.1",
        // "abc"
        message: "616263",
        repeat: 1,
        digest: "a9993e364706816aba3e25717850c26c9cd0d89d",
    },
    {
        name: "FIPS 180-2 A.2",
        // "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
        message: "6162636462636465636465666465666765666768666768696768696a68696a6b696a6b6c6a6b6c6d6b6c6d6e6c6d6e6f6d6e6f706e6f7071",
        repeat: 1,
        digest: "84983e441c3bd26ebaae4aa1f95129e5e54670f1",
    },
    {
        name: "FIPS 180-2 A.3",
        // one million repetitions of "a"
        message: "61",
        repeat: 1000000,
        digest: "34aa973cd4c4daa4f61eeb2bdbad27316534016f",
    },
    {
        name: "NIST CAVP SHA1ShortMsg.rsp Len = 0",
        // empty message
        message: "",
        repeat: 1,
        digest: "da39a3ee5e6b4b0d3255bfef95601890afd80709",
    },
]
