import Foundation

/// A TCP socket bound to a port of loopback (127.0.0.1) that the kernel chose, not listening.
/// While it is held, a connection to the port is refused and no other test can take the port;
/// `listen` on it makes a server. The caller closes the descriptor.
public func boundLoopbackSocket() -> (descriptor: Int32, port: Int) {
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) }
    }
    _ = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
    }
    return (descriptor, Int(UInt16(bigEndian: address.sin_port)))
}

/// A TCP port of loopback that nothing listens on now (bound and let go again, so a server
/// started next can take it).
public func freeLoopbackPort() -> Int {
    let (descriptor, port) = boundLoopbackSocket()
    close(descriptor)
    return port
}
