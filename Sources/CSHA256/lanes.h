// The body of a multi-lane SHA-256d scan: one nonce per lane of a vector register, every round
// done for all lanes at once. Included once per instruction set by hearth_sha256.c, after it
// defines the vector type and operations (VEC, LANES, ADD, XOR3, CH, MAJ, ROR, SHR, SET1, LOADU,
// STOREU) and the function's name and target attribute (KERNEL_NAME, KERNEL_TARGET). Only macros
// here: a helper function would need the target attribute too.

#define LANE_ROUND(a, b, c, d, e, f, g, h, k, w)                                                      \
    do {                                                                                              \
        VEC t1 = ADD(ADD(ADD(ADD(h, XOR3(ROR(e, 6), ROR(e, 11), ROR(e, 25))), CH(e, f, g)), SET1(k)), w); \
        VEC t2 = ADD(XOR3(ROR(a, 2), ROR(a, 13), ROR(a, 22)), MAJ(a, b, c));                          \
        d = ADD(d, t1);                                                                               \
        h = ADD(t1, t2);                                                                              \
    } while (0)

// Rounds t … t+7 over the message words w, in the usual rotation of the variables: after eight
// rounds every variable holds its own letter again.
#define LANE_EIGHT_ROUNDS(t, w)                                                                       \
    do {                                                                                              \
        LANE_ROUND(a, b, c, d, e, f, g, h, K[(t) + 0], w[(t) + 0]);                                   \
        LANE_ROUND(h, a, b, c, d, e, f, g, K[(t) + 1], w[(t) + 1]);                                   \
        LANE_ROUND(g, h, a, b, c, d, e, f, K[(t) + 2], w[(t) + 2]);                                   \
        LANE_ROUND(f, g, h, a, b, c, d, e, K[(t) + 3], w[(t) + 3]);                                   \
        LANE_ROUND(e, f, g, h, a, b, c, d, K[(t) + 4], w[(t) + 4]);                                   \
        LANE_ROUND(d, e, f, g, h, a, b, c, K[(t) + 5], w[(t) + 5]);                                   \
        LANE_ROUND(c, d, e, f, g, h, a, b, K[(t) + 6], w[(t) + 6]);                                   \
        LANE_ROUND(b, c, d, e, f, g, h, a, K[(t) + 7], w[(t) + 7]);                                   \
    } while (0)

// Message schedule words from … to-1 of w.
#define LANE_SCHEDULE(w, from, to)                                                                    \
    for (int t = (from); t < (to); t++) {                                                             \
        VEC s0 = XOR3(ROR(w[t - 15], 7), ROR(w[t - 15], 18), SHR(w[t - 15], 3));                      \
        VEC s1 = XOR3(ROR(w[t - 2], 17), ROR(w[t - 2], 19), SHR(w[t - 2], 10));                       \
        w[t] = ADD(ADD(s1, w[t - 7]), ADD(s0, w[t - 16]));                                            \
    }

// One round of the same kind in scalar code, for the rounds done once per scan.
#define SCALAR_ROTR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))
#define SCALAR_ROUND(s, k, w)                                                                          \
    do {                                                                                              \
        uint32_t t1 = s[7] + (SCALAR_ROTR(s[4], 6) ^ SCALAR_ROTR(s[4], 11) ^ SCALAR_ROTR(s[4], 25)) +  \
                      ((s[4] & s[5]) ^ (~s[4] & s[6])) + (k) + (w);                                   \
        uint32_t t2 = (SCALAR_ROTR(s[0], 2) ^ SCALAR_ROTR(s[0], 13) ^ SCALAR_ROTR(s[0], 22)) +         \
                      ((s[0] & s[1]) | (s[2] & (s[0] | s[1])));                                       \
        for (int j = 7; j > 0; j--) s[j] = s[j - 1];                                                  \
        s[4] += t1;                                                                                   \
        s[0] = t1 + t2;                                                                               \
    } while (0)

// The mining shortcuts: the first block's rounds 0-2 and its schedule words 16 and 17 depend only
// on the job, so they are computed once per scan; the constant message words are set once; and
// the second hash stops after round 60, where the only word that decides (the state's last, the
// hash's top 32 bits read as a number) is already known.
KERNEL_TARGET static int KERNEL_NAME(const uint32_t midstate[8], const uint32_t tail[3], uint32_t first,
                                     uint32_t count, uint32_t target_top, uint32_t *found, int max_found) {
    uint32_t pre[8];
    for (int j = 0; j < 8; j++) pre[j] = midstate[j];
    for (int t = 0; t < 3; t++) SCALAR_ROUND(pre, K[t], tail[t]);
#define S0(x) (SCALAR_ROTR(x, 7) ^ SCALAR_ROTR(x, 18) ^ ((x) >> 3))
#define S1(x) (SCALAR_ROTR(x, 17) ^ SCALAR_ROTR(x, 19) ^ ((x) >> 10))
    const uint32_t w16 = S0(tail[1]) + tail[0];                  // + s1(w14) + w9, both zero
    const uint32_t w17 = S1(640u) + S0(tail[2]) + tail[1];       // + w10, zero
#undef S0
#undef S1
    VEC w1[64], w2[64];
    uint32_t words[LANES] __attribute__((aligned(64)));
    w1[0] = SET1(tail[0]);
    w1[1] = SET1(tail[1]);
    w1[2] = SET1(tail[2]);
    w1[4] = SET1(0x80000000u);
    for (int t = 5; t < 15; t++) w1[t] = SET1(0);
    w1[15] = SET1(640);
    w1[16] = SET1(w16);
    w1[17] = SET1(w17);
    w2[8] = SET1(0x80000000u);
    for (int t = 9; t < 15; t++) w2[t] = SET1(0);
    w2[15] = SET1(256);
    int written = 0;
    for (uint64_t i = 0; i < count; i += LANES) {
        for (int lane = 0; lane < LANES; lane++) words[lane] = __builtin_bswap32(first + (uint32_t)i + (uint32_t)lane);
        w1[3] = LOADU(words);
        LANE_SCHEDULE(w1, 18, 64);
        // The state after round 2 is where round 3 of the usual rotation expects it.
        VEC f = SET1(pre[0]), g = SET1(pre[1]), h = SET1(pre[2]), a = SET1(pre[3]);
        VEC b = SET1(pre[4]), c = SET1(pre[5]), d = SET1(pre[6]), e = SET1(pre[7]);
        LANE_ROUND(f, g, h, a, b, c, d, e, K[3], w1[3]);
        LANE_ROUND(e, f, g, h, a, b, c, d, K[4], w1[4]);
        LANE_ROUND(d, e, f, g, h, a, b, c, K[5], w1[5]);
        LANE_ROUND(c, d, e, f, g, h, a, b, K[6], w1[6]);
        LANE_ROUND(b, c, d, e, f, g, h, a, K[7], w1[7]);
        for (int t = 8; t < 64; t += 8) { LANE_EIGHT_ROUNDS(t, w1); }
        // The second hash: one block, the first hash and its padding.
        w2[0] = ADD(a, SET1(midstate[0]));
        w2[1] = ADD(b, SET1(midstate[1]));
        w2[2] = ADD(c, SET1(midstate[2]));
        w2[3] = ADD(d, SET1(midstate[3]));
        w2[4] = ADD(e, SET1(midstate[4]));
        w2[5] = ADD(f, SET1(midstate[5]));
        w2[6] = ADD(g, SET1(midstate[6]));
        w2[7] = ADD(h, SET1(midstate[7]));
        LANE_SCHEDULE(w2, 16, 61);
        a = SET1(IV[0]), b = SET1(IV[1]), c = SET1(IV[2]), d = SET1(IV[3]);
        e = SET1(IV[4]), f = SET1(IV[5]), g = SET1(IV[6]), h = SET1(IV[7]);
        for (int t = 0; t < 56; t += 8) { LANE_EIGHT_ROUNDS(t, w2); }
        LANE_ROUND(a, b, c, d, e, f, g, h, K[56], w2[56]);
        LANE_ROUND(h, a, b, c, d, e, f, g, K[57], w2[57]);
        LANE_ROUND(g, h, a, b, c, d, e, f, K[58], w2[58]);
        LANE_ROUND(f, g, h, a, b, c, d, e, K[59], w2[59]);
        LANE_ROUND(e, f, g, h, a, b, c, d, K[60], w2[60]);
        // Round 60's new E (in h now) is the state's last word after round 63.
        STOREU(words, ADD(h, SET1(IV[7])));
        for (int lane = 0; lane < LANES && i + (uint64_t)lane < count; lane++) {
            if (__builtin_bswap32(words[lane]) <= target_top && written < max_found) {
                found[written++] = first + (uint32_t)i + (uint32_t)lane;
            }
        }
    }
    return written;
}

#undef SCALAR_ROTR
#undef SCALAR_ROUND
#undef LANE_EIGHT_ROUNDS
#undef LANE_SCHEDULE
#undef LANE_ROUND
