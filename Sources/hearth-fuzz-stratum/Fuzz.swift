// libFuzzer entry point over the Stratum message parser and session: every input is fed, line
// by line, to a session that is subscribed, authorized and at work, which must neither crash nor
// lose its readiness. Built only by Scripts/fuzz-stratum.sh (HEARTH_FUZZ set, -sanitize=fuzzer).
import CFuzzerDriver
import Glibc
import HearthStratum

let opening = [
    #"{"id":1,"result":{"version-rolling":true,"version-rolling.mask":"1fffe000"},"error":null}"#,
    #"{"id":2,"result":[[["mining.notify","1"]],"f000000f",4],"error":null}"#,
    #"{"id":3,"result":true,"error":null}"#,
    #"{"id":null,"method":"mining.set_difficulty","params":[0.001]}"#,
    #"{"id":null,"method":"mining.notify","params":["j","00000000000000000000000000000000000000000000000000000000000000ff","01","02",[],"20000000","1d00ffff","5f5e1000",true]}"#,
]

/// libFuzzer's entry point, also exported under its C name: the fuzzer runtime links its own
/// `main`, which refers to it, even though ours runs.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    var session = StratumSession(options: .init(user: "fuzz"), now: .zero)
    _ = session.start(now: .zero)
    for line in opening { _ = session.receive(line, now: .zero) }
    precondition(session.isReady, "the opening lines make a ready session")
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
        _ = session.receive(String(line), now: .seconds(1))
    }
    _ = session.expire(now: .seconds(100))
    precondition(session.isReady, "no input unmakes a session")
    return 0
}

@main
enum Fuzzer {
    static func main() {
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv) { data, size in fuzz(data, size) })
    }
}
