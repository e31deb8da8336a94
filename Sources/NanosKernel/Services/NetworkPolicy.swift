import Foundation
import NanosCore
import NanosManifest

/// What `permissions.network` allows a URL to reach: the scheme, host and port of every
/// request and redirect hop, and the address its host resolves to.
///
/// - Only `http` and `https`.
/// - An entry is `host`, `host:port`, or either with a scheme (`https://host:8443`); a
///   bare host allows the default port of each scheme (80, 443) and no other.
/// - Loopback, private, link-local and other non-public addresses are refused unless the
///   manifest lists the address itself (`127.0.0.1:8080`): a listed name, `localhost`
///   included, cannot be pointed at them.
struct NetworkPolicy: Sendable {
    struct Entry: Sendable, Equatable {
        let scheme: String?
        let host: String
        let port: Int?
    }

    enum Grant: Sendable {
        case none
        case any
        case entries([Entry])
    }

    let grant: Grant
    /// The entries as the manifest wrote them, for messages.
    private let written: [String]

    init(_ network: NetworkGrant) {
        switch network {
        case .none:
            grant = .none
            written = []
        case .any:
            grant = .any
            written = []
        case .hosts(let hosts):
            grant = .entries(hosts.compactMap(NetworkPolicy.entry))
            written = hosts
        }
    }

    /// `host`, `host:port`, `[v6]:port`, optionally after `scheme://`; nil when unusable
    /// (the manifest reader has already refused what it can).
    static func entry(_ text: String) -> Entry? {
        var rest = text.trimmingCharacters(in: .whitespaces).lowercased()
        var scheme: String?
        if let range = rest.range(of: "://") {
            scheme = String(rest[..<range.lowerBound])
            rest = String(rest[range.upperBound...])
        }
        if let slash = rest.firstIndex(of: "/") { rest = String(rest[..<slash]) }
        var host = rest
        var port: Int?
        if rest.hasPrefix("["), let close = rest.firstIndex(of: "]") {
            host = String(rest[rest.index(after: rest.startIndex)..<close])
            let after = rest[rest.index(after: close)...]
            if after.hasPrefix(":") { port = Int(after.dropFirst()) }
        } else if rest.filter({ $0 == ":" }).count == 1, let colon = rest.firstIndex(of: ":") {
            host = String(rest[..<colon])
            port = Int(rest[rest.index(after: colon)...])
            if port == nil { return nil }
        }
        guard !host.isEmpty else { return nil }
        return Entry(scheme: scheme, host: host, port: port)
    }

    static func defaultPort(_ scheme: String) -> Int { scheme == "https" ? 443 : 80 }

    /// The rule a denial carries when no network is allowed at all (the original ABI
    /// reports it as its own string).
    static let disabledRule = "permissions.network is false"

    /// Checks a URL's scheme, host and port (not yet its address).
    func check(_ url: URL, call: String) throws(SyscallFailure) -> (scheme: String, host: String, port: Int) {
        let shown = url.absoluteString
        guard let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https" else {
            if case .none = grant {
                throw .denied("\(call) denied: the manifest does not allow network access", rule: Self.disabledRule)
            }
            throw .denied(
                "\(call) denied: \(shown) uses scheme \(url.scheme ?? "(none)"); only http and https are allowed",
                rule: "web calls allow only http and https")
        }
        guard let rawHost = url.host, !rawHost.isEmpty else {
            throw SyscallFailure(.EINVAL, "\(call): \(shown) has no host")
        }
        let host = rawHost.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        let port = url.port ?? Self.defaultPort(scheme)
        switch grant {
        case .none:
            throw .denied("\(call) denied: the manifest does not allow network access", rule: Self.disabledRule)
        case .any:
            break
        case .entries(let entries):
            let allowed = entries.contains { entry in
                entry.host == host && (entry.scheme == nil || entry.scheme == scheme)
                    && (entry.port.map { $0 == port } ?? (port == Self.defaultPort(scheme)))
            }
            guard allowed else {
                throw .denied(
                    "\(call) denied: \(scheme)://\(host):\(port) is not allowed",
                    rule: "permissions.network allows only [\(written.joined(separator: ", "))]")
            }
        }
        return (scheme, host, port)
    }

    /// The host's addresses, each of which must be public or listed by itself; the first
    /// is the one to connect to.
    func resolve(host: String, port: Int, call: String) throws(SyscallFailure) -> ResolvedAddress {
        let addresses = ResolvedAddress.lookup(host)
        guard let first = addresses.first else {
            throw SyscallFailure(.EIO, "\(call): cannot resolve \(host)")
        }
        for address in addresses where !address.isPublic {
            let listed: Bool
            if case .entries(let entries) = grant {
                listed = entries.contains { $0.host == address.text && ($0.port == nil || $0.port == port) }
            } else {
                listed = false
            }
            guard listed else {
                let which = address.text == host ? "" : "\(host) resolves to "
                throw .denied(
                    "\(call) denied: \(which)\(address.text), a \(address.kind) address, is not allowed",
                    rule: "permissions.network must list \(address.text) itself to reach a \(address.kind) address")
            }
        }
        return first
    }
}

/// One address a host name resolves to.
struct ResolvedAddress: Sendable, Equatable {
    /// The numeric form (`127.0.0.1`, `::1`).
    let text: String
    let isIPv6: Bool
    /// Empty for a public address; else what it is ("loopback", "private").
    let kind: String

    var isPublic: Bool { kind.isEmpty }

    /// `host`'s addresses from the system resolver (a literal address resolves to itself).
    static func lookup(_ host: String) -> [ResolvedAddress] {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &list) == 0, let head = list else { return [] }
        defer { freeaddrinfo(head) }
        var addresses: [ResolvedAddress] = []
        var node: UnsafeMutablePointer<addrinfo>? = head
        while let current = node {
            if let address = ResolvedAddress(current.pointee), !addresses.contains(address) {
                addresses.append(address)
            }
            node = current.pointee.ai_next
        }
        return addresses
    }

    init?(_ info: addrinfo) {
        guard let sockaddr = info.ai_addr else { return nil }
        let bytes: [UInt8]
        switch info.ai_family {
        case AF_INET:
            bytes = sockaddr.withMemoryRebound(to: sockaddr_in.self, capacity: 1) {
                withUnsafeBytes(of: $0.pointee.sin_addr) { Array($0) }
            }
            kind = ResolvedAddress.kind(ipv4: bytes)
        case AF_INET6:
            bytes = sockaddr.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) {
                withUnsafeBytes(of: $0.pointee.sin6_addr) { Array($0) }
            }
            kind = ResolvedAddress.kind(ipv6: bytes)
        default:
            return nil
        }
        isIPv6 = info.ai_family == AF_INET6
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        _ = bytes.withUnsafeBytes { inet_ntop(info.ai_family, $0.baseAddress, &buffer, socklen_t(buffer.count)) }
        text = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// What an IPv4 address is, or "" when it is public.
    static func kind(ipv4 b: [UInt8]) -> String {
        switch (b[0], b[1]) {
        case (127, _): return "loopback"
        case (10, _), (172, 16...31), (192, 168): return "private"
        case (169, 254): return "link-local"
        case (100, 64...127): return "shared (carrier-grade NAT)"
        case (0, _): return "unspecified"
        case (224...255, _): return "multicast or reserved"
        default: return ""
        }
    }

    /// What an IPv6 address is, or "" when it is public.
    static func kind(ipv6 b: [UInt8]) -> String {
        if b[0..<15].allSatisfy({ $0 == 0 }) { return b[15] == 1 ? "loopback" : "unspecified" }
        if b[0..<10].allSatisfy({ $0 == 0 }) && b[10] == 0xff && b[11] == 0xff { return kind(ipv4: Array(b[12..<16])) }
        if b[0] & 0xfe == 0xfc { return "private" }
        if b[0] == 0xfe && b[1] & 0xc0 == 0x80 { return "link-local" }
        if b[0] == 0xff { return "multicast" }
        return ""
    }
}
