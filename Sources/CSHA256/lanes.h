// The body of a multi-lane SHA-256d scan: one nonce per lane of a vector register, every round
// done for all lanes at once. Included once per instruction set by hearth_sha256.c, after it
// defines the vector type and operations (VEC, LANES, ADD, XOR3, CH, MAJ, ROR, SHR, SET1, LOADU,
// STOREU, AND, ANY_AT_MOST) and the function's name and target attribute (KERNEL_NAME,
// KERNEL_TARGET). Only macros here: a helper function would need the target attribute too.
//
// The mining shortcuts, all of them exact:
// - The first block's rounds 0-2 depend only on the job, and round 3 only adds the nonce word to
//   two sums that do not: both are computed once per scan, so round 3 is two additions.
// - A message word that is the same for every nonce (the first block's padding and its schedule
//   words 16 and 17, the second block's padding) is added to its round constant once per scan.
// - Schedule terms that are zero (the padding's zero words) are left out, and those that are
//   constant are summed once per scan.
// - The second hash's round 0 starts from the initial value, so it too is two additions of
//   constants known at compile time.
// - The second hash stops at round 60, whose new E is the digest's last word less IV7: that word,
//   the hash's top 32 bits read as a number, decides. Rounds 57-60 need only their E side (the
//   compiler drops the A side nothing reads).
// - The candidates are tested in the vector registers, against the target's top byte: a lane is
//   looked at in scalar code only when its hash could meet the target.
// The schedule words are computed eight at a time, just before the eight rounds that read them:
// computed all at once, ahead of the rounds, they no longer fit the registers, and the spills cost
// AVX-512 a sixth of its speed (27.4 against 32.8 MH/s on one Zen 4 core).

#define BSIG0(x) XOR3(ROR((x), 2), ROR((x), 13), ROR((x), 22))
#define BSIG1(x) XOR3(ROR((x), 6), ROR((x), 11), ROR((x), 25))
#define SSIG0(x) XOR3(ROR((x), 7), ROR((x), 18), SHR((x), 3))
#define SSIG1(x) XOR3(ROR((x), 17), ROR((x), 19), SHR((x), 10))

// One round, with kw the message word plus its round constant.
#define LANE_ROUND(a, b, c, d, e, f, g, h, kw)                                                       \
    do {                                                                                              \
        VEC t1 = ADD(ADD(ADD(h, (kw)), CH(e, f, g)), BSIG1(e));                                      \
        VEC t2 = ADD(BSIG0(a), MAJ(a, b, c));                                                         \
        d = ADD(d, t1);                                                                               \
        h = ADD(t1, t2);                                                                              \
    } while (0)

// Rounds t … t+7 with the words-plus-constants kw, in the usual rotation of the variables: after
// eight rounds every variable holds its own letter again.
#define LANE_EIGHT_ROUNDS(t, kw)                                                                      \
    do {                                                                                              \
        LANE_ROUND(a, b, c, d, e, f, g, h, kw[(t) + 0]);                                              \
        LANE_ROUND(h, a, b, c, d, e, f, g, kw[(t) + 1]);                                              \
        LANE_ROUND(g, h, a, b, c, d, e, f, kw[(t) + 2]);                                              \
        LANE_ROUND(f, g, h, a, b, c, d, e, kw[(t) + 3]);                                              \
        LANE_ROUND(e, f, g, h, a, b, c, d, kw[(t) + 4]);                                              \
        LANE_ROUND(d, e, f, g, h, a, b, c, kw[(t) + 5]);                                              \
        LANE_ROUND(c, d, e, f, g, h, a, b, kw[(t) + 6]);                                              \
        LANE_ROUND(b, c, d, e, f, g, h, a, kw[(t) + 7]);                                              \
    } while (0)

// Schedule word t of w in full, and kw[t] from it.
#define LANE_WORD(w, kw, t)                                                                           \
    do {                                                                                              \
        w[t] = ADD(ADD(SSIG1(w[(t) - 2]), w[(t) - 7]), ADD(SSIG0(w[(t) - 15]), w[(t) - 16]));         \
        kw[t] = ADD(w[t], SET1(K[t]));                                                                \
    } while (0)

// Schedule words t … t+7 of w, then the eight rounds that read them: computed just before they
// are needed, the words stay in the registers.
#define LANE_SCHEDULED_EIGHT(t, w, kw)                                                                \
    do {                                                                                              \
        for (int u = (t); u < (t) + 8; u++) LANE_WORD(w, kw, u);                                      \
        LANE_EIGHT_ROUNDS(t, kw);                                                                     \
    } while (0)

// The same in scalar code, for what is done once per scan.
#define SCALAR_ROTR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))
#define SCALAR_BSIG0(x) (SCALAR_ROTR(x, 2) ^ SCALAR_ROTR(x, 13) ^ SCALAR_ROTR(x, 22))
#define SCALAR_BSIG1(x) (SCALAR_ROTR(x, 6) ^ SCALAR_ROTR(x, 11) ^ SCALAR_ROTR(x, 25))
#define SCALAR_SSIG0(x) (SCALAR_ROTR(x, 7) ^ SCALAR_ROTR(x, 18) ^ ((x) >> 3))
#define SCALAR_SSIG1(x) (SCALAR_ROTR(x, 17) ^ SCALAR_ROTR(x, 19) ^ ((x) >> 10))
#define SCALAR_CH(e, f, g) (((e) & (f)) ^ (~(e) & (g)))
#define SCALAR_MAJ(a, b, c) (((a) & (b)) | ((c) & ((a) | (b))))
#define SCALAR_ROUND(s, k, w)                                                                          \
    do {                                                                                              \
        uint32_t t1 = s[7] + SCALAR_BSIG1(s[4]) + SCALAR_CH(s[4], s[5], s[6]) + (k) + (w);            \
        uint32_t t2 = SCALAR_BSIG0(s[0]) + SCALAR_MAJ(s[0], s[1], s[2]);                             \
        for (int j = 7; j > 0; j--) s[j] = s[j - 1];                                                  \
        s[4] += t1;                                                                                   \
        s[0] = t1 + t2;                                                                               \
    } while (0)

KERNEL_TARGET static int KERNEL_NAME(const uint32_t midstate[8], const uint32_t tail[3], uint32_t first,
                                     uint32_t count, uint32_t target_top, uint32_t *found, int max_found) {
    // The first block: tail[0..2], the nonce, 0x80000000, zeros, and the length, 640 bits.
    uint32_t pre[8];
    for (int j = 0; j < 8; j++) pre[j] = midstate[j];
    for (int t = 0; t < 3; t++) SCALAR_ROUND(pre, K[t], tail[t]);
    // Round 3 less its message word: E and A after it are these plus the nonce word.
    const uint32_t t1_3 = pre[7] + SCALAR_BSIG1(pre[4]) + SCALAR_CH(pre[4], pre[5], pre[6]) + K[3];
    const uint32_t t2_3 = SCALAR_BSIG0(pre[0]) + SCALAR_MAJ(pre[0], pre[1], pre[2]);
    const uint32_t w16 = SCALAR_SSIG0(tail[1]) + tail[0];                      // + σ1(w14) + w9, both zero
    const uint32_t w17 = SCALAR_SSIG1(640u) + SCALAR_SSIG0(tail[2]) + tail[1]; // + w10, zero
    VEC w1[64], kw1[64];
    kw1[4] = SET1(K[4] + 0x80000000u);
    for (int t = 5; t < 15; t++) kw1[t] = SET1(K[t]);
    kw1[15] = SET1(K[15] + 640u);
    kw1[16] = SET1(K[16] + w16);
    kw1[17] = SET1(K[17] + w17);
    w1[15] = SET1(640u);
    w1[16] = SET1(w16);
    w1[17] = SET1(w17);
    const VEC e3 = SET1(pre[3] + t1_3), a3 = SET1(t1_3 + t2_3);
    const VEC s18 = SET1(SCALAR_SSIG1(w16) + tail[2]);            // W18 = this + σ0(W3)
    const VEC s19 = SET1(SCALAR_SSIG1(w17) + SCALAR_SSIG0(0x80000000u)); // W19 = this + W3
    const VEC s30 = SET1(SCALAR_SSIG0(640u));                     // W30 = σ1(W28) + W23 + this
    const VEC s31 = SET1(SCALAR_SSIG0(w16) + 640u);               // W31 = σ1(W29) + W24 + this
    const VEC s32 = SET1(SCALAR_SSIG0(w17) + w16);                // W32 = σ1(W30) + W25 + this
    // The second block: the first digest, 0x80000000, zeros, and the length, 256 bits.
    VEC w2[64], kw2[64];
    kw2[8] = SET1(K[8] + 0x80000000u);
    for (int t = 9; t < 15; t++) kw2[t] = SET1(K[t]);
    kw2[15] = SET1(K[15] + 256u);
    w2[15] = SET1(256u);
    const uint32_t t1_0 = IV[7] + SCALAR_BSIG1(IV[4]) + SCALAR_CH(IV[4], IV[5], IV[6]) + K[0];
    const uint32_t t2_0 = SCALAR_BSIG0(IV[0]) + SCALAR_MAJ(IV[0], IV[1], IV[2]);
    const VEC e0 = SET1(IV[3] + t1_0), a0 = SET1(t1_0 + t2_0);
    const VEC s17 = SET1(SCALAR_SSIG1(256u));                      // W17 = this + σ0(W2) + W1
    const VEC s23 = SET1(SCALAR_SSIG0(0x80000000u));               // W23 = … + this + W7
    const VEC s24 = SET1(0x80000000u);                             // W24 = σ1(W22) + W17 + this
    const VEC s30b = SET1(SCALAR_SSIG0(256u));                     // W30 = σ1(W28) + W23 + this
    const VEC s31b = SET1(256u);                                   // W31 = … + σ0(W16) + this
    const VEC mid[8] = {SET1(midstate[0]), SET1(midstate[1]), SET1(midstate[2]), SET1(midstate[3]),
                        SET1(midstate[4]), SET1(midstate[5]), SET1(midstate[6]), SET1(midstate[7])};
    const VEC iv7 = SET1(IV[7]);
    // A lane can meet the target only if its digest's low byte (the hash's top byte once
    // reversed) is at most the target's top byte.
    const VEC top_byte = SET1(target_top >> 24), low_byte = SET1(0xFFu);
    uint32_t words[LANES] __attribute__((aligned(64)));
    int written = 0;
    for (uint64_t i = 0; i < count; i += LANES) {
        for (int lane = 0; lane < LANES; lane++) words[lane] = __builtin_bswap32(first + (uint32_t)i + (uint32_t)lane);
        const VEC w3 = LOADU(words);

        // First block: round 3 is two additions; rounds 4-17 read constant words. The state after
        // round 3 goes in the variables rounds 4-7 take it in (e holds A, a holds E).
        VEC e = ADD(a3, w3), f = SET1(pre[0]), g = SET1(pre[1]), h = SET1(pre[2]);
        VEC a = ADD(e3, w3), b = SET1(pre[4]), c = SET1(pre[5]), d = SET1(pre[6]);
        LANE_ROUND(e, f, g, h, a, b, c, d, kw1[4]);
        LANE_ROUND(d, e, f, g, h, a, b, c, kw1[5]);
        LANE_ROUND(c, d, e, f, g, h, a, b, kw1[6]);
        LANE_ROUND(b, c, d, e, f, g, h, a, kw1[7]);
        LANE_EIGHT_ROUNDS(8, kw1);
        w1[18] = ADD(s18, SSIG0(w3));
        w1[19] = ADD(s19, w3);
        w1[20] = ADD(SSIG1(w1[18]), SET1(0x80000000u));
        w1[21] = SSIG1(w1[19]);
        w1[22] = ADD(SSIG1(w1[20]), w1[15]);
        w1[23] = ADD(SSIG1(w1[21]), w1[16]);
        for (int t = 18; t < 24; t++) kw1[t] = ADD(w1[t], SET1(K[t]));
        LANE_EIGHT_ROUNDS(16, kw1);
        w1[24] = ADD(SSIG1(w1[22]), w1[17]);
        for (int t = 25; t < 30; t++) w1[t] = ADD(SSIG1(w1[t - 2]), w1[t - 7]);
        w1[30] = ADD(ADD(SSIG1(w1[28]), w1[23]), s30);
        w1[31] = ADD(ADD(SSIG1(w1[29]), w1[24]), s31);
        for (int t = 24; t < 32; t++) kw1[t] = ADD(w1[t], SET1(K[t]));
        LANE_EIGHT_ROUNDS(24, kw1);
        w1[32] = ADD(ADD(SSIG1(w1[30]), w1[25]), s32);
        w1[33] = ADD(ADD(SSIG1(w1[31]), w1[26]), ADD(SSIG0(w1[18]), w1[17]));
        for (int t = 32; t < 34; t++) kw1[t] = ADD(w1[t], SET1(K[t]));
        for (int t = 34; t < 40; t++) LANE_WORD(w1, kw1, t);
        LANE_EIGHT_ROUNDS(32, kw1);
        LANE_SCHEDULED_EIGHT(40, w1, kw1);
        LANE_SCHEDULED_EIGHT(48, w1, kw1);
        LANE_SCHEDULED_EIGHT(56, w1, kw1);

        // Second block: the first digest, its first round from the initial value.
        w2[0] = ADD(a, mid[0]);
        w2[1] = ADD(b, mid[1]);
        w2[2] = ADD(c, mid[2]);
        w2[3] = ADD(d, mid[3]);
        w2[4] = ADD(e, mid[4]);
        w2[5] = ADD(f, mid[5]);
        w2[6] = ADD(g, mid[6]);
        w2[7] = ADD(h, mid[7]);
        for (int t = 1; t < 8; t++) kw2[t] = ADD(w2[t], SET1(K[t]));
        // After round 0, in the variables round 1 takes it in (h holds A, d holds E).
        h = ADD(a0, w2[0]), a = SET1(IV[0]), b = SET1(IV[1]), c = SET1(IV[2]);
        d = ADD(e0, w2[0]), e = SET1(IV[4]), f = SET1(IV[5]), g = SET1(IV[6]);
        LANE_ROUND(h, a, b, c, d, e, f, g, kw2[1]);
        LANE_ROUND(g, h, a, b, c, d, e, f, kw2[2]);
        LANE_ROUND(f, g, h, a, b, c, d, e, kw2[3]);
        LANE_ROUND(e, f, g, h, a, b, c, d, kw2[4]);
        LANE_ROUND(d, e, f, g, h, a, b, c, kw2[5]);
        LANE_ROUND(c, d, e, f, g, h, a, b, kw2[6]);
        LANE_ROUND(b, c, d, e, f, g, h, a, kw2[7]);
        LANE_EIGHT_ROUNDS(8, kw2);
        w2[16] = ADD(SSIG0(w2[1]), w2[0]);
        w2[17] = ADD(ADD(SSIG0(w2[2]), w2[1]), s17);
        for (int t = 18; t < 22; t++) w2[t] = ADD(ADD(SSIG1(w2[t - 2]), SSIG0(w2[t - 15])), w2[t - 16]);
        w2[22] = ADD(ADD(SSIG1(w2[20]), w2[15]), ADD(SSIG0(w2[7]), w2[6]));
        w2[23] = ADD(ADD(SSIG1(w2[21]), w2[16]), ADD(s23, w2[7]));
        for (int t = 16; t < 24; t++) kw2[t] = ADD(w2[t], SET1(K[t]));
        LANE_EIGHT_ROUNDS(16, kw2);
        w2[24] = ADD(ADD(SSIG1(w2[22]), w2[17]), s24);
        for (int t = 25; t < 30; t++) w2[t] = ADD(SSIG1(w2[t - 2]), w2[t - 7]);
        w2[30] = ADD(ADD(SSIG1(w2[28]), w2[23]), s30b);
        w2[31] = ADD(ADD(SSIG1(w2[29]), w2[24]), ADD(SSIG0(w2[16]), s31b));
        for (int t = 24; t < 32; t++) kw2[t] = ADD(w2[t], SET1(K[t]));
        LANE_EIGHT_ROUNDS(24, kw2);
        LANE_SCHEDULED_EIGHT(32, w2, kw2);
        LANE_SCHEDULED_EIGHT(40, w2, kw2);
        LANE_SCHEDULED_EIGHT(48, w2, kw2);
        for (int t = 56; t < 61; t++) LANE_WORD(w2, kw2, t);
        LANE_ROUND(a, b, c, d, e, f, g, h, kw2[56]);
        LANE_ROUND(h, a, b, c, d, e, f, g, kw2[57]);
        LANE_ROUND(g, h, a, b, c, d, e, f, kw2[58]);
        LANE_ROUND(f, g, h, a, b, c, d, e, kw2[59]);
        LANE_ROUND(e, f, g, h, a, b, c, d, kw2[60]);
        // Round 60's new E (in h now) is the digest's last word less IV7.
        const VEC last = ADD(h, iv7);
        if (!ANY_AT_MOST(AND(last, low_byte), top_byte)) continue;
        STOREU(words, last);
        for (int lane = 0; lane < LANES && i + (uint64_t)lane < count; lane++) {
            if (__builtin_bswap32(words[lane]) <= target_top && written < max_found) {
                found[written++] = first + (uint32_t)i + (uint32_t)lane;
            }
        }
    }
    return written;
}

#undef BSIG0
#undef BSIG1
#undef SSIG0
#undef SSIG1
#undef SCALAR_ROTR
#undef SCALAR_BSIG0
#undef SCALAR_BSIG1
#undef SCALAR_SSIG0
#undef SCALAR_SSIG1
#undef SCALAR_CH
#undef SCALAR_MAJ
#undef SCALAR_ROUND
#undef LANE_EIGHT_ROUNDS
#undef LANE_WORD
#undef LANE_SCHEDULED_EIGHT
#undef LANE_ROUND
