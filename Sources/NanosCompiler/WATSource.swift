import Foundation
import Synchronization
import NanosCore
import WAT

/// WebAssembly text turned into a module, with the bounds WasmKit's WAT parser lacks.
///
/// That parser recurses once per folded expression, and about 6,000 nested parentheses
/// overflowed the host's stack. The nesting is measured first, by a scan that keeps no
/// stack, and the parse runs on a thread whose stack is sized for the deepest text
/// accepted, whatever thread asked for it.
public enum WATSource {
    /// The largest text accepted.
    public static let maxTextBytes = 16 << 20
    /// The deepest nesting of parentheses (and of block comments, which nest too).
    public static let maxNesting = 1_000
    /// Measured at about 1.4 KB of stack per level; eight times that leaves room.
    static let parserStackBytes = 16 << 20

    /// The binary module for `text`, checked by ``ModuleBounds`` too. Throws
    /// ``ModuleError`` for a bound and ``WATError`` for what the parser refuses.
    public static func compile(_ text: [UInt8], nameSection: Bool = true) throws(WATError) -> [UInt8] {
        do {
            try checkNesting(text)
        } catch {
            throw WATError(message: error.description)
        }
        let wasm = try onLargeStack { () throws(WATError) -> [UInt8] in
            do {
                return try wat2wasm(
                    String(decoding: text, as: UTF8.self), options: EncodeOptions(nameSection: nameSection))
            } catch {
                throw WATError(error)
            }
        }
        do {
            try ModuleBounds.check(wasm)
        } catch {
            throw WATError(message: error.description)
        }
        return wasm
    }

    /// Refuses text over the size or nesting bounds, naming the line where it went too deep.
    public static func checkNesting(_ text: [UInt8]) throws(ModuleError) {
        guard text.count <= maxTextBytes else {
            throw ModuleError("the text is \(text.count) bytes; at most \(maxTextBytes) (16 MiB)")
        }
        var depth = 0
        var line = 1
        var index = 0
        func tooDeep() -> ModuleError {
            ModuleError("line \(line): parentheses nest deeper than \(maxNesting) levels")
        }
        while index < text.count {
            let byte = text[index]
            let next = index + 1 < text.count ? text[index + 1] : 0
            switch byte {
            case UInt8(ascii: "\n"):
                line += 1
            case UInt8(ascii: "\""):
                // A string: up to its unescaped closing quote.
                index += 1
                while index < text.count, text[index] != UInt8(ascii: "\"") {
                    if text[index] == UInt8(ascii: "\\") { index += 1 }
                    if index < text.count, text[index] == UInt8(ascii: "\n") { line += 1 }
                    index += 1
                }
            case UInt8(ascii: ";") where next == UInt8(ascii: ";"):
                while index < text.count, text[index] != UInt8(ascii: "\n") { index += 1 }
                continue
            case UInt8(ascii: "(") where next == UInt8(ascii: ";"):
                // A block comment; they nest, so they are counted like parentheses.
                var comments = 1
                index += 2
                while index < text.count, comments > 0 {
                    let here = text[index]
                    let after = index + 1 < text.count ? text[index + 1] : 0
                    if here == UInt8(ascii: "("), after == UInt8(ascii: ";") {
                        comments += 1
                        guard comments <= maxNesting else { throw tooDeep() }
                        index += 2
                    } else if here == UInt8(ascii: ";"), after == UInt8(ascii: ")") {
                        comments -= 1
                        index += 2
                    } else {
                        if here == UInt8(ascii: "\n") { line += 1 }
                        index += 1
                    }
                }
                continue
            case UInt8(ascii: "("):
                depth += 1
                guard depth <= maxNesting else { throw tooDeep() }
            case UInt8(ascii: ")"):
                depth -= 1
            default:
                break
            }
            index += 1
        }
    }

    /// Runs `body` on a new thread with a stack of `parserStackBytes` and waits for it.
    private static func onLargeStack<T: Sendable>(_ body: @escaping @Sendable () throws(WATError) -> T) throws(WATError)
        -> T
    {
        let result = Mutex<Result<T, WATError>?>(nil)
        let finished = DispatchSemaphore(value: 0)
        let thread = Thread {
            let outcome = Result<T, WATError>(catching: body)
            result.withLock { $0 = outcome }
            finished.signal()
        }
        thread.stackSize = parserStackBytes
        thread.start()
        finished.wait()
        // Set before the signal; nil only if the thread never ran, which Thread rules out.
        guard let outcome = result.withLock({ $0 }) else { throw WATError(message: "the WAT parser did not run") }
        return try outcome.get()
    }
}

/// Why WAT text was refused: a bound, or what WasmKit's parser reported (with where).
public struct WATError: Error, Sendable, CustomStringConvertible {
    public let message: String
    /// 1-based line and column of the problem, when the parser gave one.
    public let line: Int?
    public let column: Int?

    init(message: String, line: Int? = nil, column: Int? = nil) {
        self.message = message
        self.line = line
        self.column = column
    }

    init(_ error: any Error) {
        guard let parse = error as? WatParserError, let location = parse.location else {
            self.init(message: "\(error)")
            return
        }
        let (line, column) = location.computeLineAndColumn()
        // The description is "<message> at <location>"; the location is kept apart.
        var message = parse.description
        let suffix = " at \(location)"
        if message.hasSuffix(suffix) { message.removeLast(suffix.count) }
        self.init(message: message, line: line, column: column + 1)
    }

    /// `line 3:7: message`, or the message alone.
    public var description: String {
        guard let line else { return message }
        return "line \(line)\(column.map { ":\($0)" } ?? ""): \(message)"
    }
}
