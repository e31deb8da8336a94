/// How a connection proves who it is and (optionally) how it secures the socket.
///
/// All fields are optional and combine the way libnats combines them: user/password and token are
/// sent in `CONNECT`; a `.creds` file (JWT + seed) and an NKey seed file sign the server nonce.
/// File paths are read by libnats at connect time (and again on reconnect), never by this package.
public struct NATSCredentials: Sendable, Equatable {
    public var user: String?
    public var password: String?
    public var token: String?
    /// Chained `.creds` file (user JWT + NKey seed), for `natsOptions_SetUserCredentialsFromFiles`.
    public var credentialsFile: String?
    /// File holding a user NKey seed (`SU...`), for `natsOptions_SetNKeyFromSeed`.
    public var nkeySeedFile: String?
    /// The NKey public key (`U...`) belonging to `nkeySeedFile`. libnats 3.4 cannot derive it from the
    /// seed, so it is required whenever `nkeySeedFile` is set.
    public var nkeyPublicKey: String?
    /// PEM file with the CA certificates the server certificate must chain to.
    public var tlsCAFile: String?
    /// PEM client certificate (needs `tlsKeyFile`).
    public var tlsCertFile: String?
    /// PEM private key of `tlsCertFile`.
    public var tlsKeyFile: String?
    /// Refuse to talk to the server without TLS.
    public var requireTLS: Bool

    public init(
        user: String? = nil,
        password: String? = nil,
        token: String? = nil,
        credentialsFile: String? = nil,
        nkeySeedFile: String? = nil,
        nkeyPublicKey: String? = nil,
        tlsCAFile: String? = nil,
        tlsCertFile: String? = nil,
        tlsKeyFile: String? = nil,
        requireTLS: Bool = false
    ) {
        self.user = user
        self.password = password
        self.token = token
        self.credentialsFile = credentialsFile
        self.nkeySeedFile = nkeySeedFile
        self.nkeyPublicKey = nkeyPublicKey
        self.tlsCAFile = tlsCAFile
        self.tlsCertFile = tlsCertFile
        self.tlsKeyFile = tlsKeyFile
        self.requireTLS = requireTLS
    }
}
