import Foundation

/// Secrets given as files (`--token-file`, `--nats-password-file`): never on the command
/// line, where `ps` shows them.
enum SecretFile {
    /// The first line of the file, trimmed; nil when it is unreadable, over 4 KiB, not
    /// UTF-8 or empty.
    static func read(_ path: String) -> String? {
        guard let data = FileManager.default.contents(atPath: path), data.count <= 4096,
            let text = String(data: data, encoding: .utf8),
            let line = text.split(whereSeparator: \.isNewline).first?.trimmingCharacters(in: .whitespaces),
            !line.isEmpty
        else { return nil }
        return line
    }
}
