#include "hearth_sha256.h"

// A kernel this build's architecture does not have.
#define UNSUPPORTED_SCAN(name)                                                                          \
    int name(const uint32_t midstate[8], const uint32_t tail[3], uint32_t first, uint32_t count, uint32_t target_top, \
             uint32_t *found, int max_found) {                                                          \
        (void)midstate; (void)tail; (void)first; (void)count; (void)target_top; (void)found; (void)max_found; \
        return -1;                                                                                      \
    }

#if defined(__x86_64__) || defined(__aarch64__)
static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static const uint32_t IV[8] = {
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
};
#endif

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>


// The register state the operating system saves on a context switch (XCR0): AVX and AVX-512
// registers are usable only where it saves them.
__attribute__((target("xsave"))) static uint64_t saved_state(void) { return _xgetbv(0); }

static int detect_features(void) {
    unsigned int a, b, c, d;
    int features = 0;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    int sse41 = (c >> 19) & 1, osxsave = (c >> 27) & 1, avx = (c >> 28) & 1;
    uint64_t xcr0 = osxsave ? saved_state() : 0;
    int ymm = (xcr0 & 0x6) == 0x6, zmm = (xcr0 & 0xE6) == 0xE6;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
    if (sse41 && (b & (1u << 29))) features |= HEARTH_SHA256_FEATURE_SHANI;
    if (avx && ymm && (b & (1u << 5))) features |= HEARTH_SHA256_FEATURE_AVX2;
    if (zmm && (b & (1u << 16))) features |= HEARTH_SHA256_FEATURE_AVX512;
    return features;
}


// SHA-NI keeps the state in two registers, ABEF and CDGH; sha256rnds2 does two rounds with the
// message words plus constants in its third operand's low lanes. The kernel hashes two nonces side
// by side (streams a and b), every value in registers, so the CPU overlaps the two streams' rounds
// and hides sha256rnds2's latency. The mining shortcuts: the first two rounds of the second block
// (message words from the header alone) are done once per scan; the padding's message words have
// their constants added once; and the second hash stops after round 61, where the last word of
// the digest is already fixed (H7 = IV7 + e after round 60, in the F lane).

#define RNDS2(s1, s0, m) _mm_sha256rnds2_epu32((s1), (s0), (m))

// Four rounds on both streams, with message words plus constants MA and MB.
#define QUAD(MA, MB)                                                                        \
    do {                                                                                    \
        a1 = RNDS2(a1, a0, (MA));                                                           \
        b1 = RNDS2(b1, b0, (MB));                                                           \
        a0 = RNDS2(a0, a1, _mm_shuffle_epi32((MA), 0x0E));                                  \
        b0 = RNDS2(b0, b1, _mm_shuffle_epi32((MB), 0x0E));                                  \
    } while (0)

// Four rounds on both streams of schedule words X (a's and b's) plus the constants of group G.
#define QUADK(X, G)                                                                         \
    do {                                                                                    \
        const __m128i k_ = _mm_loadu_si128((const __m128i *)&K[4 * (G)]);                  \
        const __m128i ma_ = _mm_add_epi32(a_##X, k_), mb_ = _mm_add_epi32(b_##X, k_);       \
        QUAD(ma_, mb_);                                                                     \
    } while (0)

// The message schedule, on both streams: Y gets its W[t-7] part from P:X and is finished with X.
#define SCHED2(X, P, Y)                                                                     \
    do {                                                                                    \
        a_##Y = _mm_sha256msg2_epu32(_mm_add_epi32(a_##Y, _mm_alignr_epi8(a_##X, a_##P, 4)), a_##X); \
        b_##Y = _mm_sha256msg2_epu32(_mm_add_epi32(b_##Y, _mm_alignr_epi8(b_##X, b_##P, 4)), b_##X); \
    } while (0)

#define MSG1(Y, X)                                                                          \
    do {                                                                                    \
        a_##Y = _mm_sha256msg1_epu32(a_##Y, a_##X);                                         \
        b_##Y = _mm_sha256msg1_epu32(b_##Y, b_##X);                                         \
    } while (0)

// Groups G to G+3 on both streams, each scheduling the words of a group to come.
#define SCHEDULED_QUADS(G)                                                                  \
    do {                                                                                    \
        QUADK(m0, (G)); SCHED2(m0, m3, m1); MSG1(m3, m0);                                   \
        QUADK(m1, (G) + 1); SCHED2(m1, m0, m2); MSG1(m0, m1);                               \
        QUADK(m2, (G) + 2); SCHED2(m2, m1, m3); MSG1(m1, m2);                               \
        QUADK(m3, (G) + 3); SCHED2(m3, m2, m0); MSG1(m2, m3);                               \
    } while (0)

// Rounds 16-59 of a block, groups 4 to 14, once m0..m3 hold W[0..15] partly scheduled as after
// group 3 (m0 finished for group 4, m1 and m2 through msg1).
#define ROUNDS_16_TO_59()                                                                   \
    do {                                                                                    \
        SCHEDULED_QUADS(4);                                                                 \
        SCHEDULED_QUADS(8);                                                                 \
        QUADK(m0, 12); SCHED2(m0, m3, m1); MSG1(m3, m0);                                    \
        QUADK(m1, 13); SCHED2(m1, m0, m2);                                                  \
        QUADK(m2, 14); SCHED2(m2, m1, m3);                                                  \
    } while (0)

// A state of eight words as SHA-NI's ABEF and CDGH.
__attribute__((target("sha,sse4.1"))) static inline void to_abef_cdgh(const uint32_t state[8], __m128i *abef, __m128i *cdgh) {
    __m128i dcba = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)&state[0]), 0xB1); // CDAB
    __m128i efgh = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)&state[4]), 0x1B); // EFGH
    *abef = _mm_alignr_epi8(dcba, efgh, 8);
    *cdgh = _mm_blend_epi16(efgh, dcba, 0xF0);
}

// ABEF and CDGH back to the words A..D and E..H, in lane order: the second block's message.
#define TO_WORDS(S0, S1, W0, W1)                                                            \
    do {                                                                                    \
        const __m128i feba_ = _mm_shuffle_epi32((S0), 0x1B);                                \
        const __m128i dchg_ = _mm_shuffle_epi32((S1), 0xB1);                                \
        (W0) = _mm_blend_epi16(feba_, dchg_, 0xF0);                                         \
        (W1) = _mm_alignr_epi8(dchg_, feba_, 8);                                            \
    } while (0)

__attribute__((target("sha,sse4.1"))) static int scan_shani(const uint32_t midstate[8], const uint32_t tail[3],
                                                            uint32_t first, uint32_t count, uint32_t target_top,
                                                            uint32_t *found, int max_found) {
    __m128i mid0, mid1, iv0, iv1;
    to_abef_cdgh(midstate, &mid0, &mid1);
    to_abef_cdgh(IV, &iv0, &iv1);
    // First block: W0..W2 from the header's tail, W3 the nonce, then the padding of 80 bytes.
    const __m128i head = _mm_set_epi32(0, (int)tail[2], (int)tail[1], (int)tail[0]);
    const __m128i pad1 = _mm_set_epi32(0, 0, 0, (int)0x80000000u), pad2 = _mm_setzero_si128();
    const __m128i pad3 = _mm_set_epi32(640, 0, 0, 0);
    const __m128i after2 = RNDS2(mid1, mid0, _mm_add_epi32(head, _mm_loadu_si128((const __m128i *)&K[0])));
    const uint32_t w2k2 = tail[2] + K[2];
    const __m128i kw1 = _mm_add_epi32(pad1, _mm_loadu_si128((const __m128i *)&K[4]));
    const __m128i kw2 = _mm_add_epi32(pad2, _mm_loadu_si128((const __m128i *)&K[8]));
    const __m128i kw3 = _mm_add_epi32(pad3, _mm_loadu_si128((const __m128i *)&K[12]));
    const __m128i first_m1 = _mm_sha256msg1_epu32(pad1, pad2), first_m2 = _mm_sha256msg1_epu32(pad2, pad3);
    const __m128i first_w9 = _mm_alignr_epi8(pad3, pad2, 4);
    // Second block: the first hash, then the padding of 32 bytes.
    const __m128i pad2b = _mm_set_epi32(0, 0, 0, (int)0x80000000u), pad3b = _mm_set_epi32(256, 0, 0, 0);
    const __m128i kw2b = _mm_add_epi32(pad2b, _mm_loadu_si128((const __m128i *)&K[8]));
    const __m128i kw3b = _mm_add_epi32(pad3b, _mm_loadu_si128((const __m128i *)&K[12]));
    const __m128i second_m2 = _mm_sha256msg1_epu32(pad2b, pad3b), second_w9 = _mm_alignr_epi8(pad3b, pad2b, 4);

    int written = 0;
    for (uint64_t i = 0; i < count; i += 2) {
        const uint32_t na = first + (uint32_t)i, nb = i + 1 < count ? na + 1 : na;
        const uint32_t wa = __builtin_bswap32(na), wb = __builtin_bswap32(nb);
        __m128i a0, a1, b0, b1, a_m0, a_m1, a_m2, a_m3, b_m0, b_m1, b_m2, b_m3;

        // First block. Rounds 0-1 were done once; rounds 2-3 take the nonce.
        a0 = RNDS2(mid0, after2, _mm_set_epi32(0, 0, (int)(wa + K[3]), (int)w2k2));
        b0 = RNDS2(mid0, after2, _mm_set_epi32(0, 0, (int)(wb + K[3]), (int)w2k2));
        a1 = b1 = after2;
        a_m0 = _mm_insert_epi32(head, (int)wa, 3);
        b_m0 = _mm_insert_epi32(head, (int)wb, 3);
        QUAD(kw1, kw1);
        a_m0 = _mm_sha256msg1_epu32(a_m0, pad1);
        b_m0 = _mm_sha256msg1_epu32(b_m0, pad1);
        QUAD(kw2, kw2);
        QUAD(kw3, kw3);
        a_m0 = _mm_sha256msg2_epu32(_mm_add_epi32(a_m0, first_w9), pad3);
        b_m0 = _mm_sha256msg2_epu32(_mm_add_epi32(b_m0, first_w9), pad3);
        a_m1 = b_m1 = first_m1;
        a_m2 = b_m2 = first_m2;
        a_m3 = b_m3 = pad3;
        ROUNDS_16_TO_59();
        QUADK(m3, 15);
        a0 = _mm_add_epi32(a0, mid0);
        a1 = _mm_add_epi32(a1, mid1);
        b0 = _mm_add_epi32(b0, mid0);
        b1 = _mm_add_epi32(b1, mid1);

        // Second block: the first digest as W0..W7.
        TO_WORDS(a0, a1, a_m0, a_m1);
        TO_WORDS(b0, b1, b_m0, b_m1);
        a0 = b0 = iv0;
        a1 = b1 = iv1;
        QUADK(m0, 0);
        QUADK(m1, 1);
        MSG1(m0, m1);
        QUAD(kw2b, kw2b);
        a_m1 = _mm_sha256msg1_epu32(a_m1, pad2b);
        b_m1 = _mm_sha256msg1_epu32(b_m1, pad2b);
        QUAD(kw3b, kw3b);
        a_m0 = _mm_sha256msg2_epu32(_mm_add_epi32(a_m0, second_w9), pad3b);
        b_m0 = _mm_sha256msg2_epu32(_mm_add_epi32(b_m0, second_w9), pad3b);
        a_m2 = b_m2 = second_m2;
        a_m3 = b_m3 = pad3b;
        ROUNDS_16_TO_59();
        {   // Rounds 60-61 only: their ABEF's F lane is e after round 60, the digest's H7 less IV7.
            const __m128i k_ = _mm_loadu_si128((const __m128i *)&K[60]);
            a1 = RNDS2(a1, a0, _mm_add_epi32(a_m3, k_));
            b1 = RNDS2(b1, b0, _mm_add_epi32(b_m3, k_));
        }
        const uint32_t ha = (uint32_t)_mm_cvtsi128_si32(a1) + IV[7], hb = (uint32_t)_mm_cvtsi128_si32(b1) + IV[7];
        if (__builtin_bswap32(ha) <= target_top && written < max_found) found[written++] = na;
        if (nb != na && __builtin_bswap32(hb) <= target_top && written < max_found) found[written++] = nb;
    }
    return written;
}

int hearth_sha256d_scan_shani(const uint32_t midstate[8], const uint32_t tail[3], uint32_t first, uint32_t count,
                              uint32_t target_top, uint32_t *found, int max_found) {
    if (!(hearth_sha256_features() & HEARTH_SHA256_FEATURE_SHANI)) return -1;
    return scan_shani(midstate, tail, first, count, target_top, found, max_found);
}

// Eight lanes of 32 bits in the 256-bit registers of AVX2.
#define VEC __m256i
#define LANES 8
#define ADD(x, y) _mm256_add_epi32((x), (y))
#define XOR3(x, y, z) _mm256_xor_si256(_mm256_xor_si256((x), (y)), (z))
#define CH(e, f, g) _mm256_xor_si256((g), _mm256_and_si256((e), _mm256_xor_si256((f), (g))))
#define MAJ(a, b, c) _mm256_or_si256(_mm256_and_si256((a), (b)), _mm256_and_si256((c), _mm256_or_si256((a), (b))))
#define ROR(x, n) _mm256_or_si256(_mm256_srli_epi32((x), (n)), _mm256_slli_epi32((x), 32 - (n)))
#define SHR(x, n) _mm256_srli_epi32((x), (n))
#define SET1(x) _mm256_set1_epi32((int)(x))
#define LOADU(p) _mm256_loadu_si256((const __m256i *)(p))
#define STOREU(p, v) _mm256_storeu_si256((__m256i *)(p), (v))
#define AND(x, y) _mm256_and_si256((x), (y))
#define ANY_AT_MOST(x, y) (_mm256_movemask_epi8(_mm256_cmpeq_epi32(_mm256_min_epu32((x), (y)), (x))) != 0)
#define KERNEL_NAME scan_avx2
#define KERNEL_TARGET __attribute__((target("avx2")))
#include "lanes.h"
#undef VEC
#undef LANES
#undef ADD
#undef XOR3
#undef CH
#undef MAJ
#undef ROR
#undef SHR
#undef SET1
#undef LOADU
#undef STOREU
#undef AND
#undef ANY_AT_MOST
#undef KERNEL_NAME
#undef KERNEL_TARGET

// Sixteen lanes in AVX-512's registers, with its rotate and three-input logic instructions.
#define VEC __m512i
#define LANES 16
#define ADD(x, y) _mm512_add_epi32((x), (y))
#define XOR3(x, y, z) _mm512_ternarylogic_epi32((x), (y), (z), 0x96)
#define CH(e, f, g) _mm512_ternarylogic_epi32((e), (f), (g), 0xCA)
#define MAJ(a, b, c) _mm512_ternarylogic_epi32((a), (b), (c), 0xE8)
#define ROR(x, n) _mm512_ror_epi32((x), (n))
#define SHR(x, n) _mm512_srli_epi32((x), (n))
#define SET1(x) _mm512_set1_epi32((int)(x))
#define LOADU(p) _mm512_loadu_si512((const void *)(p))
#define STOREU(p, v) _mm512_storeu_si512((void *)(p), (v))
#define AND(x, y) _mm512_and_si512((x), (y))
#define ANY_AT_MOST(x, y) (_mm512_cmple_epu32_mask((x), (y)) != 0)
#define KERNEL_NAME scan_avx512
#define KERNEL_TARGET __attribute__((target("avx512f")))
#include "lanes.h"

int hearth_sha256d_scan_avx2(const uint32_t midstate[8], const uint32_t tail[3], uint32_t first, uint32_t count,
                             uint32_t target_top, uint32_t *found, int max_found) {
    if (!(hearth_sha256_features() & HEARTH_SHA256_FEATURE_AVX2)) return -1;
    return scan_avx2(midstate, tail, first, count, target_top, found, max_found);
}

int hearth_sha256d_scan_avx512(const uint32_t midstate[8], const uint32_t tail[3], uint32_t first, uint32_t count,
                               uint32_t target_top, uint32_t *found, int max_found) {
    if (!(hearth_sha256_features() & HEARTH_SHA256_FEATURE_AVX512)) return -1;
    return scan_avx512(midstate, tail, first, count, target_top, found, max_found);
}

UNSUPPORTED_SCAN(hearth_sha256d_scan_armv8)

#elif defined(__aarch64__)
#include <arm_neon.h>
#include <sys/auxv.h>

#ifndef HWCAP_SHA2
#define HWCAP_SHA2 (1 << 6)
#endif

static int detect_features(void) { return (getauxval(AT_HWCAP) & HWCAP_SHA2) ? HEARTH_SHA256_FEATURE_ARMV8 : 0; }

// The ARMv8 SHA-2 instructions work four rounds at a time: sha256h gives the new ABCD and
// sha256h2 the new EFGH, from the message words plus constants. Two nonces side by side (streams
// a and b), in registers throughout. The shortcuts: the padding's words with their constants
// added once, and the second hash's last four rounds cut to the sha256h2 that yields e after
// round 60, which with IV7 is the digest's last word, the one compared first.

// Four rounds on both streams, with message words plus constants WA and WB.
#define QUAD4(WA, WB)                                                                       \
    do {                                                                                    \
        const uint32x4_t ta_ = a_abcd, tb_ = b_abcd;                                        \
        a_abcd = vsha256hq_u32(a_abcd, a_efgh, (WA));                                       \
        b_abcd = vsha256hq_u32(b_abcd, b_efgh, (WB));                                       \
        a_efgh = vsha256h2q_u32(a_efgh, ta_, (WA));                                         \
        b_efgh = vsha256h2q_u32(b_efgh, tb_, (WB));                                         \
    } while (0)

// Four rounds on both streams of schedule words X plus the constants of group G.
#define QUAD4K(X, G)                                                                        \
    do {                                                                                    \
        const uint32x4_t k_ = vld1q_u32(&K[4 * (G)]);                                       \
        const uint32x4_t wa_ = vaddq_u32(a_##X, k_), wb_ = vaddq_u32(b_##X, k_);            \
        QUAD4(wa_, wb_);                                                                    \
    } while (0)

// The next four schedule words into X, from X, Y, Z, W (the sixteen before them, in order).
#define NEXT4(X, Y, Z, W)                                                                   \
    do {                                                                                    \
        a_##X = vsha256su1q_u32(vsha256su0q_u32(a_##X, a_##Y), a_##Z, a_##W);               \
        b_##X = vsha256su1q_u32(vsha256su0q_u32(b_##X, b_##Y), b_##Z, b_##W);               \
    } while (0)

// Groups G to G+3 on both streams, each followed by the schedule words four groups ahead.
#define SCHEDULED_QUADS(G)                                                                  \
    do {                                                                                    \
        QUAD4K(m0, (G)); NEXT4(m0, m1, m2, m3);                                             \
        QUAD4K(m1, (G) + 1); NEXT4(m1, m2, m3, m0);                                         \
        QUAD4K(m2, (G) + 2); NEXT4(m2, m3, m0, m1);                                         \
        QUAD4K(m3, (G) + 3); NEXT4(m3, m0, m1, m2);                                         \
    } while (0)

// Rounds 0-15 of a block from the schedule words in m0..m3, bringing them to W[16..31].
#define ROUNDS_0_TO_15() SCHEDULED_QUADS(0)

// Rounds 16-59 of a block (groups 4 to 14), once m0..m3 hold W[16..31].
#define ROUNDS_16_TO_59()                                                                   \
    do {                                                                                    \
        SCHEDULED_QUADS(4);                                                                 \
        SCHEDULED_QUADS(8);                                                                 \
        QUAD4K(m0, 12);                                                                     \
        QUAD4K(m1, 13);                                                                     \
        QUAD4K(m2, 14);                                                                     \
    } while (0)

__attribute__((target("arch=armv8-a+crypto"))) static int scan_armv8(const uint32_t midstate[8], const uint32_t tail[3],
                                                                    uint32_t first, uint32_t count, uint32_t target_top,
                                                                    uint32_t *found, int max_found) {
    const uint32x4_t mid_abcd = vld1q_u32(&midstate[0]), mid_efgh = vld1q_u32(&midstate[4]);
    const uint32x4_t iv_abcd = vld1q_u32(&IV[0]), iv_efgh = vld1q_u32(&IV[4]);
    const uint32_t head_words[4] = {tail[0], tail[1], tail[2], 0};
    const uint32_t pad1_words[4] = {0x80000000u, 0, 0, 0}, pad3_words[4] = {0, 0, 0, 640};
    const uint32_t pad3b_words[4] = {0, 0, 0, 256};
    const uint32x4_t head = vld1q_u32(head_words), pad1 = vld1q_u32(pad1_words), pad2 = vdupq_n_u32(0);
    const uint32x4_t pad3 = vld1q_u32(pad3_words), pad3b = vld1q_u32(pad3b_words);
    int written = 0;
    for (uint64_t i = 0; i < count; i += 2) {
        const uint32_t na = first + (uint32_t)i, nb = i + 1 < count ? na + 1 : na;
        uint32x4_t a_abcd = mid_abcd, a_efgh = mid_efgh, b_abcd = mid_abcd, b_efgh = mid_efgh;
        uint32x4_t a_m0 = vsetq_lane_u32(__builtin_bswap32(na), head, 3), b_m0 = vsetq_lane_u32(__builtin_bswap32(nb), head, 3);
        uint32x4_t a_m1 = pad1, b_m1 = pad1, a_m2 = pad2, b_m2 = pad2, a_m3 = pad3, b_m3 = pad3;
        ROUNDS_0_TO_15();
        ROUNDS_16_TO_59();
        QUAD4K(m3, 15);
        // The second block: the first digest, then the padding of 32 bytes.
        a_m0 = vaddq_u32(a_abcd, mid_abcd);
        a_m1 = vaddq_u32(a_efgh, mid_efgh);
        b_m0 = vaddq_u32(b_abcd, mid_abcd);
        b_m1 = vaddq_u32(b_efgh, mid_efgh);
        a_m2 = b_m2 = pad1;
        a_m3 = b_m3 = pad3b;
        a_abcd = b_abcd = iv_abcd;
        a_efgh = b_efgh = iv_efgh;
        ROUNDS_0_TO_15();
        ROUNDS_16_TO_59();
        {   // Rounds 60-63: only the new EFGH, whose H lane is e after round 60.
            const uint32x4_t k_ = vld1q_u32(&K[60]);
            a_efgh = vsha256h2q_u32(a_efgh, a_abcd, vaddq_u32(a_m3, k_));
            b_efgh = vsha256h2q_u32(b_efgh, b_abcd, vaddq_u32(b_m3, k_));
        }
        const uint32_t ha = vgetq_lane_u32(a_efgh, 3) + IV[7], hb = vgetq_lane_u32(b_efgh, 3) + IV[7];
        if (__builtin_bswap32(ha) <= target_top && written < max_found) found[written++] = na;
        if (nb != na && __builtin_bswap32(hb) <= target_top && written < max_found) found[written++] = nb;
    }
    return written;
}

int hearth_sha256d_scan_armv8(const uint32_t midstate[8], const uint32_t tail[3], uint32_t first, uint32_t count,
                              uint32_t target_top, uint32_t *found, int max_found) {
    if (!(hearth_sha256_features() & HEARTH_SHA256_FEATURE_ARMV8)) return -1;
    return scan_armv8(midstate, tail, first, count, target_top, found, max_found);
}

UNSUPPORTED_SCAN(hearth_sha256d_scan_shani)
UNSUPPORTED_SCAN(hearth_sha256d_scan_avx2)
UNSUPPORTED_SCAN(hearth_sha256d_scan_avx512)

#else

static int detect_features(void) { return 0; }

UNSUPPORTED_SCAN(hearth_sha256d_scan_shani)
UNSUPPORTED_SCAN(hearth_sha256d_scan_avx2)
UNSUPPORTED_SCAN(hearth_sha256d_scan_avx512)
UNSUPPORTED_SCAN(hearth_sha256d_scan_armv8)

#endif

// Detected once: cpuid traps to the hypervisor in a virtual machine, too slow for every scan.
int hearth_sha256_features(void) {
    static int cached = -1;
    int features = __atomic_load_n(&cached, __ATOMIC_RELAXED);
    if (features < 0) {
        features = detect_features();
        __atomic_store_n(&cached, features, __ATOMIC_RELAXED);
    }
    return features;
}
