import HearthMining

/// Work to hash when there is no pool: a fixed header at difficulty 1. The heat is the same as
/// for a pool's work; the shares go nowhere. The Stratum client replaces it with real jobs.
enum LocalWork {
    static let job = MiningJob(
        id: "local",
        header: BlockHeader(
            version: 0x2000_0000, previousHash: [UInt8](repeating: 0, count: 32),
            merkleRoot: SHA256.doubleHash(Array("hearth: heat without a pool".utf8)), time: 1_767_225_600,
            bits: 0x1D00_FFFF, nonce: 0),
        shareTarget: .difficultyOne)
}
