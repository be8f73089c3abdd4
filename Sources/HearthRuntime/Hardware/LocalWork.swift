import HearthMining

/// Work to hash when there is no pool: a fixed template at difficulty 1. The heat is the same as
/// for a pool's work; the shares go nowhere. The Stratum client replaces it with real jobs.
enum LocalWork {
    static let template = WorkTemplate(
        jobID: "local", previousHash: [UInt8](repeating: 0, count: 32),
        coinbase1: Array("hearth: heat without a pool".utf8), extranonce1: [], extranonce2Size: 8, coinbase2: [],
        merkleBranch: [], version: 0x2000_0000, bits: 0x1D00_FFFF, time: 1_767_225_600, shareTarget: .difficultyOne)
}
