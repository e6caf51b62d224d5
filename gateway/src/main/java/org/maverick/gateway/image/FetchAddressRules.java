package org.maverick.gateway.image;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Which resolved addresses an image fetch may connect to (the SSRF rules; the fetcher itself is not
 * built yet). Refused unless allow-listed: loopback, private (10/8, 172.16/12, 192.168/16), link-local
 * (169.254/16 with the cloud metadata address 169.254.169.254, fe80::/10), unique-local fc00::/7,
 * multicast, CGNAT 100.64/10, unspecified, and IPv6 forms that carry an IPv4 address (IPv4-mapped
 * ::ffff:0:0/96, NAT64 64:ff9b::/96), which are judged by the IPv4 address they carry so a mapped
 * 127.0.0.1 is loopback too. Pure: the caller resolves once and connects to the very address checked.
 */
public final class FetchAddressRules {

    /** A CIDR block of the allow list. */
    public record Block(byte[] network, int prefix) {
        public boolean contains(InetAddress a) {
            byte[] b = a.getAddress();
            if (b.length != network.length) {
                return false;
            }
            int full = prefix / 8;
            for (int i = 0; i < full; i++) {
                if (b[i] != network[i]) {
                    return false;
                }
            }
            int rest = prefix % 8;
            if (rest == 0) {
                return true;
            }
            int mask = (0xff << (8 - rest)) & 0xff;
            return (b[full] & mask) == (network[full] & mask);
        }
    }

    private final List<Block> allow;

    public FetchAddressRules(List<Block> allow) {
        this.allow = List.copyOf(allow);
    }

    /** Parses {@code gateway.images.fetch.allow}: CIDR blocks or single addresses (literals only, nothing resolved). */
    public static FetchAddressRules of(List<String> allow) {
        List<Block> blocks = new ArrayList<>();
        for (String entry : allow) {
            String e = entry.trim();
            int slash = e.indexOf('/');
            String host = slash < 0 ? e : e.substring(0, slash);
            if (!host.matches("[0-9a-fA-F.:]+")) {
                throw new IllegalArgumentException("gateway.images.fetch.allow: '" + entry
                        + "' is not an IP address or CIDR block (names are not resolved)");
            }
            byte[] net;
            try {
                net = InetAddress.getByName(host).getAddress(); // a literal: no DNS lookup
            } catch (UnknownHostException ex) {
                throw new IllegalArgumentException("gateway.images.fetch.allow: '" + entry + "' is not an address");
            }
            int prefix = slash < 0 ? net.length * 8 : Integer.parseInt(e.substring(slash + 1));
            if (prefix < 0 || prefix > net.length * 8) {
                throw new IllegalArgumentException("gateway.images.fetch.allow: '" + entry + "' has a bad prefix length");
            }
            blocks.add(new Block(net, prefix));
        }
        return new FetchAddressRules(blocks);
    }

    /** Why a fetch may not connect to this address, or empty when it may. */
    public Optional<String> refusal(InetAddress address) {
        for (Block b : allow) {
            if (b.contains(address)) {
                return Optional.empty();
            }
        }
        return kind(address).map(k -> "the address " + address.getHostAddress() + " is " + k
                + " (not allowed unless gateway.images.fetch.allow names it)");
    }

    /** The internal kind of an address, or empty for a public one. */
    static Optional<String> kind(InetAddress a) {
        if (a instanceof Inet6Address) {
            byte[] b = a.getAddress();
            Optional<InetAddress> carried = carriedIpv4(b);
            if (carried.isPresent()) {
                return kind(carried.get()).map(k -> k + " (carried in an IPv6 address)")
                        .or(() -> Optional.of("an IPv6 form of an IPv4 address"));
            }
            if ((b[0] & 0xfe) == 0xfc) {
                return Optional.of("unique-local");
            }
        }
        if (a.isAnyLocalAddress()) {
            return Optional.of("unspecified");
        }
        if (a.isLoopbackAddress()) {
            return Optional.of("loopback");
        }
        if (a.isLinkLocalAddress()) {
            return Optional.of(a.getHostAddress().equals("169.254.169.254") ? "the cloud metadata address" : "link-local");
        }
        if (a.isSiteLocalAddress()) {
            return Optional.of("private");
        }
        if (a.isMulticastAddress()) {
            return Optional.of("multicast");
        }
        if (a instanceof Inet4Address) {
            byte[] b = a.getAddress();
            int first = b[0] & 0xff;
            int second = b[1] & 0xff;
            if (first == 100 && second >= 64 && second <= 127) {
                return Optional.of("carrier-grade NAT (100.64.0.0/10)");
            }
            if (first == 0) {
                return Optional.of("unspecified (0.0.0.0/8)");
            }
            if (first >= 240) {
                return Optional.of("reserved");
            }
        }
        return Optional.empty();
    }

    /** The IPv4 address inside ::ffff:a.b.c.d (mapped), ::a.b.c.d (compatible) or 64:ff9b::a.b.c.d (NAT64). */
    private static Optional<InetAddress> carriedIpv4(byte[] b) {
        boolean zero80 = true;
        for (int i = 0; i < 10; i++) {
            zero80 &= b[i] == 0;
        }
        boolean mapped = zero80 && (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff;
        boolean compatible = zero80 && b[10] == 0 && b[11] == 0 && !(b[12] == 0 && b[13] == 0 && b[14] == 0);
        boolean nat64 = b[0] == 0 && b[1] == 0x64 && (b[2] & 0xff) == 0xff && (b[3] & 0xff) == 0x9b;
        for (int i = 4; nat64 && i < 12; i++) {
            nat64 = b[i] == 0;
        }
        if (!mapped && !compatible && !nat64) {
            return Optional.empty();
        }
        try {
            return Optional.of(InetAddress.getByAddress(new byte[]{b[12], b[13], b[14], b[15]}));
        } catch (UnknownHostException e) {
            return Optional.empty();
        }
    }
}
