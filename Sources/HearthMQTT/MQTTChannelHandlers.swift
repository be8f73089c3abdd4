import NIOCore

/// Splits the broker's byte stream into packets. A packet over `maxPacketSize` bytes is refused
/// as soon as its fixed header says so, before its body is buffered, and ends the connection;
/// so does any malformed packet (`MQTTPacketError`).
struct MQTTPacketDecoder: ByteToMessageDecoder {
    typealias InboundOut = MQTTPacket

    let maxPacketSize: Int

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        let header = buffer.readableBytesView.prefix(5)
        guard let length = try MQTTCodec.frameLength(of: header, maxPacketSize: maxPacketSize), buffer.readableBytes >= length,
            let bytes = buffer.readBytes(length: length)
        else {
            return .needMoreData
        }
        context.fireChannelRead(wrapInboundOut(try MQTTCodec.decode(packet: bytes[...])))
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        while try decode(context: context, buffer: &buffer) == .continue {}
        return .needMoreData  // A partial last packet is dropped with the connection.
    }
}

/// Writes packets as MQTT's bytes.
struct MQTTPacketEncoder: MessageToByteEncoder {
    typealias OutboundIn = MQTTPacket

    func encode(data: MQTTPacket, out: inout ByteBuffer) throws {
        out.writeBytes(try MQTTCodec.encode(data))
    }
}
