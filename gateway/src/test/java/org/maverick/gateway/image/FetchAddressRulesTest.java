package org.maverick.gateway.image;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FetchAddressRulesTest {

    private static final FetchAddressRules NONE = FetchAddressRules.of(List.of());

    @ParameterizedTest
    @CsvSource({
            "127.0.0.1, loopback", "127.8.9.10, loopback", "::1, loopback",
            "10.1.2.3, private", "172.16.0.1, private", "172.31.255.255, private", "192.168.1.1, private",
            "169.254.169.254, the cloud metadata address", "169.254.1.1, link-local", "fe80::1, link-local",
            "fc00::1, unique-local", "fd12:3456::1, unique-local",
            "224.0.0.1, multicast", "ff02::1, multicast",
            "100.64.0.1, carrier-grade NAT", "100.127.255.255, carrier-grade NAT",
            "0.0.0.0, unspecified", "::, unspecified",
            // Java already reads an IPv4-mapped literal as the IPv4 address it carries.
            "::ffff:127.0.0.1, loopback", "::ffff:169.254.169.254, the cloud metadata address",
            "64:ff9b::10.0.0.1, private (carried", "64:ff9b::8.8.8.8, an IPv6 form of an IPv4 address"})
    void internalAddressesAreRefusedSayingWhy(String address, String why) throws Exception {
        String refusal = NONE.refusal(InetAddress.getByName(address)).orElseThrow();
        assertTrue(refusal.contains(why), refusal);
        assertTrue(refusal.contains("gateway.images.fetch.allow"), refusal);
    }

    @ParameterizedTest
    @ValueSource(strings = {"8.8.8.8", "1.1.1.1", "100.63.255.255", "100.128.0.0", "172.32.0.1", "2606:4700::1111"})
    void publicAddressesPass(String address) throws Exception {
        assertEquals(java.util.Optional.empty(), NONE.refusal(InetAddress.getByName(address)));
    }

    @Test
    void anIpv4MappedAddressKeptAsIpv6IsJudgedByTheAddressItCarries() throws Exception {
        byte[] mapped = InetAddress.getByName("::ffff:10.1.2.3").getAddress();
        byte[] raw = new byte[16];
        raw[10] = (byte) 0xff;
        raw[11] = (byte) 0xff;
        System.arraycopy(mapped, mapped.length - 4, raw, 12, 4);
        String refusal = NONE.refusal(java.net.Inet6Address.getByAddress(null, raw, -1)).orElseThrow();
        assertTrue(refusal.contains("private (carried in an IPv6 address)"), refusal);
    }

    @Test
    void theAllowListLetsNamedAddressesThrough() throws Exception {
        FetchAddressRules rules = FetchAddressRules.of(List.of("127.0.0.1", "10.0.0.0/8", "fd00::/8"));
        assertTrue(rules.refusal(InetAddress.getByName("127.0.0.1")).isEmpty());
        assertTrue(rules.refusal(InetAddress.getByName("127.0.0.2")).isPresent());
        assertTrue(rules.refusal(InetAddress.getByName("10.200.1.1")).isEmpty());
        assertTrue(rules.refusal(InetAddress.getByName("fd00::5")).isEmpty());
        assertTrue(rules.refusal(InetAddress.getByName("192.168.0.1")).isPresent());
    }

    @Test
    void theAllowListTakesOnlyAddresses() {
        var e = assertThrows(IllegalArgumentException.class, () -> FetchAddressRules.of(List.of("localhost")));
        assertTrue(e.getMessage().contains("gateway.images.fetch.allow"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> FetchAddressRules.of(List.of("10.0.0.0/33")));
    }
}
