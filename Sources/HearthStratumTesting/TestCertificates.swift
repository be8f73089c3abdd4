import Crypto
import Foundation
import NIOSSL
import X509

/// Certificates for a TLS test pool, made afresh for each test: an authority, a certificate it
/// signed for `localhost`, and that certificate's SHA-256 fingerprint.
public struct TestCertificates: Sendable {
    /// The authority's certificate, PEM: what a client given it as its roots trusts.
    public let authorityPEM: String
    /// The pool's certificate and private key, PEM.
    public let certificatePEM: String
    public let keyPEM: String
    /// SHA-256 of the pool certificate's DER bytes.
    public let fingerprint: [UInt8]

    public init() throws {
        let now = Date()
        let authorityKey = P256.Signing.PrivateKey()
        let authorityName = try DistinguishedName { CommonName("Hearth test authority") }
        let authority = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(authorityKey.publicKey),
            notValidBefore: now - 3600, notValidAfter: now + 86_400, issuer: authorityName, subject: authorityName,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                Critical(KeyUsage(keyCertSign: true))
            },
            issuerPrivateKey: .init(authorityKey))
        let key = P256.Signing.PrivateKey()
        let certificate = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(key.publicKey),
            notValidBefore: now - 3600, notValidAfter: now + 86_400, issuer: authorityName,
            subject: try DistinguishedName { CommonName("localhost") }, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                SubjectAlternativeNames([.dnsName("localhost")])
                try ExtendedKeyUsage([.serverAuth])
            },
            issuerPrivateKey: .init(authorityKey))
        let document = try certificate.serializeAsPEM()
        authorityPEM = try authority.serializeAsPEM().pemString
        certificatePEM = document.pemString
        keyPEM = key.pemRepresentation
        fingerprint = Array(Crypto.SHA256.hash(data: document.derBytes))
    }

    /// The server side of TLS with the pool's certificate.
    func serverContext() throws -> NIOSSLContext {
        try NIOSSLContext(configuration: .makeServerConfiguration(
            certificateChain: [.certificate(NIOSSLCertificate(bytes: Array(certificatePEM.utf8), format: .pem))],
            privateKey: .privateKey(NIOSSLPrivateKey(bytes: Array(keyPEM.utf8), format: .pem))))
    }
}
