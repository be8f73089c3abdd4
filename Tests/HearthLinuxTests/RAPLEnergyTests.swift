import HearthHAL
import HearthLinux
import HearthLinuxTesting
import Testing

/// The package energy counter, on a powercap tree as the kernel lays it out.
@Suite struct RAPLEnergyTests {
    @Test func findsThePackageZoneAndReadsIt() throws {
        let sysfs = try FakeSysfs()
        // A subzone (core) and a non-package zone come first, and must be passed over.
        try sysfs.file("powercap/intel-rapl:0:0/name", "core\n")
        try sysfs.file("powercap/intel-rapl:0:0/max_energy_range_uj", "262143328850\n")
        try sysfs.file("powercap/intel-rapl:1/name", "psys\n")
        try sysfs.file("powercap/intel-rapl:1/max_energy_range_uj", "262143328850\n")
        try sysfs.file("powercap/intel-rapl:0/name", "package-0\n")
        try sysfs.file("powercap/intel-rapl:0/max_energy_range_uj", "65532610987\n")
        try sysfs.file("powercap/intel-rapl:0/energy_uj", "123456789\n")
        let counter = try #require(RAPLEnergyCounter.package(root: "\(sysfs.root)/powercap", sys: sysfs.sys))
        #expect(counter.name == "package-0")
        #expect(counter.range == 65_532_610_987)
        #expect(try counter.energy() == 123_456_789)

        try sysfs.file("powercap/intel-rapl:0/energy_uj", "lots\n")
        #expect { try counter.energy() } throws: { error in
            (error as? HALError)?.kind == .badData && "\(error)".contains("energy_uj")
        }
    }

    @Test func noPowercapNoCounter() throws {
        let sysfs = try FakeSysfs()
        #expect(RAPLEnergyCounter.package(root: "\(sysfs.root)/powercap", sys: sysfs.sys) == nil)
        try sysfs.file("powercap/intel-rapl:0/name", "psys\n")
        try sysfs.file("powercap/intel-rapl:0/max_energy_range_uj", "100\n")
        #expect(RAPLEnergyCounter.package(root: "\(sysfs.root)/powercap", sys: sysfs.sys) == nil, "no package zone")
    }
}
