import ArgumentParser
import Foundation
import NanosFleet
import NanosNATS

/// How `orchestrate --nats` and `node` reach NATS. Secrets are read from files, never
/// taken on the command line (where `ps` shows them).
struct NATSOptions: ParsableArguments {
    @Option(name: .customLong("nats"), help: "The NATS server, e.g. nats://127.0.0.1:4222 (JetStream enabled).")
    var url: String?

    @Option(name: .customLong("nats-user"), help: "The NATS user (with --nats-password-file).")
    var user: String?

    @Option(name: .customLong("nats-password-file"), help: "A file holding the NATS user's password.")
    var passwordFile: String?

    @Option(name: .customLong("nats-token-file"), help: "A file holding the NATS token.")
    var tokenFile: String?

    @Option(name: .customLong("nats-creds"), help: "A NATS .creds file (JWT and nkey seed).")
    var credentialsFile: String?

    @Option(name: .customLong("nats-nkey-seed"), help: "A file holding an nkey seed (with --nats-nkey).")
    var nkeySeedFile: String?

    @Option(name: .customLong("nats-nkey"), help: "The public nkey of --nats-nkey-seed.")
    var nkeyPublicKey: String?

    @Option(name: .customLong("nats-ca"), help: "CA certificate (PEM) to verify the server's TLS certificate.")
    var caFile: String?

    @Option(name: .customLong("nats-cert"), help: "Client certificate (PEM) for TLS, with --nats-key.")
    var certFile: String?

    @Option(name: .customLong("nats-key"), help: "Client key (PEM) for TLS.")
    var keyFile: String?

    @Flag(name: .customLong("nats-tls"), help: "Require TLS to the NATS server.")
    var requireTLS = false

    /// Exit status when NATS cannot be reached or refuses the credentials.
    static let exitUnreachable: Int32 = 13

    func connect(name: String, _ console: Console) throws -> NATSConnection {
        guard let url else {
            console.error("--nats URL is required")
            throw ExitCode(2)
        }
        var credentials = NATSCredentials(
            user: user, credentialsFile: credentialsFile, nkeySeedFile: nkeySeedFile, nkeyPublicKey: nkeyPublicKey,
            tlsCAFile: caFile, tlsCertFile: certFile, tlsKeyFile: keyFile, requireTLS: requireTLS)
        credentials.password = try passwordFile.map { try secret($0, "--nats-password-file", console) }
        credentials.token = try tokenFile.map { try secret($0, "--nats-token-file", console) }
        do {
            return try NATSConnection(url: url, name: name, credentials: credentials)
        } catch {
            console.error(FleetError(error).description)
            throw ExitCode(Self.exitUnreachable)
        }
    }

    private func secret(_ path: String, _ option: String, _ console: Console) throws -> String {
        guard let text = SecretFile.read(path) else {
            console.error("\(option) \(path): cannot read a secret from its first line (at most 4 KiB)")
            throw ExitCode(2)
        }
        return text
    }
}
