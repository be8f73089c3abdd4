import CI2C
import Glibc
import HearthHAL
import HearthLinux
import HearthLinuxTesting
import Testing

@Suite struct LinuxI2CBusTests {
    let sensor = I2CAddress(0x48)!
    let absent = I2CAddress(0x49)!

    func adapter(_ functionality: UInt) -> FakeI2CAdapter {
        let adapter = FakeI2CAdapter(functionality: functionality)
        adapter.addDevice(0x48, registers: [0x19, 0x60, 0x60, 0xA0, 0x4B, 0x00, 0x50, 0x00])
        return adapter
    }

    @Test(arguments: [FakeI2CAdapter.plainI2C, FakeI2CAdapter.smbusOnly])
    func registerReadsAndWritesOnEitherAdapterKind(functionality: UInt) throws {
        let adapter = adapter(functionality)
        let bus = try LinuxI2CBus(bus: 1, sys: adapter.sys)
        #expect(bus.name == "/dev/i2c-1")
        #expect(try bus.writeRead(sensor, [0x00], count: 2) == [0x19, 0x60], "a 16-bit register, in wire order")
        #expect(try bus.writeRead(sensor, [0x03], count: 1) == [0xA0])
        #expect(try bus.writeRead(sensor, [0x02], count: 4) == [0x60, 0xA0, 0x4B, 0x00])
        try bus.write(sensor, [0x01, 0x61, 0xA1])
        try bus.write(sensor, [0x05, 0x7E])
        try bus.write(sensor, [0x04, 1, 2, 3])
        #expect(adapter.registers(0x48) == [0x19, 0x61, 0xA1, 0xA0, 1, 2, 3, 0x00])
        try bus.write(sensor, [0x06])
        #expect(try bus.read(sensor, count: 1) == [3], "a plain read continues from the pointer")
    }

    @Test func plainAdapterUsesOneRDWRAndSMBusAdapterSelectsTheAddressOnce() throws {
        let plain = adapter(FakeI2CAdapter.plainI2C)
        let plainBus = try LinuxI2CBus(bus: 1, sys: plain.sys)
        _ = try plainBus.writeRead(sensor, [0x00], count: 2)
        #expect(plain.calls == [UInt(I2C_FUNCS), UInt(I2C_RDWR)])

        let smbus = adapter(FakeI2CAdapter.smbusOnly)
        let smbusBus = try LinuxI2CBus(bus: 1, sys: smbus.sys)
        _ = try smbusBus.writeRead(sensor, [0x00], count: 2)
        _ = try smbusBus.writeRead(sensor, [0x02], count: 2)
        #expect(smbus.calls == [UInt(I2C_FUNCS), UInt(I2C_SLAVE), UInt(I2C_SMBUS), UInt(I2C_SMBUS)])
    }

    @Test func smbusOnlyAdapterRefusesShapesSMBusCannotExpress() throws {
        let bus = try LinuxI2CBus(bus: 1, sys: adapter(FakeI2CAdapter.smbusOnly).sys)
        #expect {
            try bus.transaction(sensor, [.write([0]), .read(count: 1), .read(count: 1)])
        } throws: { ($0 as? HALError)?.kind == .notSupported }
        #expect {
            try bus.read(sensor, count: 4)
        } throws: { ($0 as? HALError)?.kind == .notSupported }
        #expect {
            try bus.writeRead(sensor, [0], count: 33)
        } throws: { ($0 as? HALError)?.kind == .notSupported }
    }

    @Test func absentDeviceIsNackOnAddress() throws {
        let bus = try LinuxI2CBus(bus: 1, sys: adapter(FakeI2CAdapter.plainI2C).sys)
        #expect {
            try bus.writeRead(absent, [0x00], count: 2)
        } throws: { error in
            let error = error as? HALError
            return error?.kind == .nackAddress && error?.address == absent && error?.device == "/dev/i2c-1"
                && error?.errno == ENXIO
        }
    }

    /// The errno → kind table of the i2c fault codes, each forced through the seam.
    @Test(arguments: [
        (ENXIO, HALError.Kind.nackAddress), (EREMOTEIO, .nackData), (ENODEV, .nackAddress),
        (EAGAIN, .arbitrationLost), (ETIMEDOUT, .timeout), (EIO, .busError), (EOPNOTSUPP, .notSupported),
    ])
    func errnoMapsToKind(errno: Int32, kind: HALError.Kind) throws {
        for functionality in [FakeI2CAdapter.plainI2C, FakeI2CAdapter.smbusOnly] {
            let adapter = adapter(functionality)
            let bus = try LinuxI2CBus(bus: 1, sys: adapter.sys)
            adapter.force(functionality == FakeI2CAdapter.plainI2C ? UInt(I2C_RDWR) : UInt(I2C_SMBUS), Errno(errno))
            #expect {
                try bus.writeRead(sensor, [0x00], count: 2)
            } throws: { error in
                let error = error as? HALError
                return error?.kind == kind && error?.errno == errno && error?.address == sensor
                    && (error?.detail.contains(Errno(errno).description) ?? false)
            }
            #expect(try bus.writeRead(sensor, [0x00], count: 2) == [0x19, 0x60], "the next transfer works again")
        }
    }

    @Test func interruptedCallsAreRetried() throws {
        let adapter = adapter(FakeI2CAdapter.plainI2C)
        adapter.force(UInt(I2C_FUNCS), Errno(EINTR))
        let bus = try LinuxI2CBus(bus: 1, sys: adapter.sys)
        adapter.force(UInt(I2C_RDWR), Errno(EINTR), Errno(EINTR))
        #expect(try bus.writeRead(sensor, [0x00], count: 2) == [0x19, 0x60])
        #expect(adapter.calls.filter { $0 == UInt(I2C_RDWR) }.count == 3)
    }

    @Test func aKernelDriverOnTheAddressIsNamed() throws {
        let adapter = adapter(FakeI2CAdapter.smbusOnly)
        let bus = try LinuxI2CBus(bus: 1, sys: adapter.sys)
        adapter.force(UInt(I2C_SLAVE), Errno(EBUSY))
        #expect {
            try bus.writeRead(sensor, [0x00], count: 2)
        } throws: { error in
            let error = error as? HALError
            return error?.kind == .unavailable && (error?.detail.contains("kernel driver") ?? false)
        }
    }

    @Test func missingBusSaysHowToEnableIt() {
        #expect {
            try LinuxI2CBus(bus: 3, sys: adapter(FakeI2CAdapter.plainI2C).sys)
        } throws: { error in
            let error = error as? HALError
            return error?.kind == .unavailable && error?.device == "/dev/i2c-3"
                && (error?.detail.contains("dtparam=i2c_arm=on") ?? false)
        }
    }

    @Test func aNodeThatIsNotI2CIsRefusedAtOpen() {
        let adapter = adapter(FakeI2CAdapter.plainI2C)
        adapter.force(UInt(I2C_FUNCS), Errno(ENOTTY))
        #expect {
            try LinuxI2CBus(bus: 1, sys: adapter.sys)
        } throws: { ($0 as? HALError)?.kind == .notSupported }
    }

    @Test func theRealNodeIsOpenedThroughTheLiveSeam() {
        // No /dev/i2c-* on a build machine: the live seam must report that plainly, not crash.
        #expect {
            try LinuxI2CBus(path: "/nonexistent/i2c-9")
        } throws: { error in
            let error = error as? HALError
            return error?.kind == .unavailable && error?.errno == ENOENT
        }
    }
}
