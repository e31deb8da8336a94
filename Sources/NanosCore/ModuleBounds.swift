import WasmParser

/// Bounds on a WebAssembly module, checked on its bytes before WasmKit parses it.
///
/// A module is input from whoever wrote the agent. Parsing and translating it costs host
/// memory and time that no run limit can interrupt, and some of that cost is far larger
/// than the bytes: a local declaration `(n, type)` is a few bytes that WasmKit expands
/// into `n` entries, and each nested block costs the translator a control frame (three
/// million nested blocks, 9 MB, took 610 MB). So every amplifier is capped here, by a
/// scan whose own memory does not grow with the input.
public enum ModuleBounds {
    /// The largest module accepted. JS agents (QuickJS and a booted heap) are the
    /// biggest guests nanos builds, at a few MB.
    public static let maxModuleBytes = 32 << 20
    /// The most functions (imported and defined) one module may have.
    public static let maxFunctions = 100_000
    /// The largest function body; translation time and memory grow with it, outside
    /// the reach of fuel and the deadline.
    public static let maxFunctionBodyBytes = 2 << 20
    /// The most locals one function may declare (WasmKit's own cap is 100,000 per function
    /// but none across functions).
    public static let maxLocalsPerFunction = 50_000
    /// The most locals all functions together may declare.
    public static let maxLocals = 1_000_000
    /// The deepest nesting of blocks, loops, ifs and trys in a function. Compiled code
    /// nests once per `switch` case, so QuickJS's interpreter loop reaches a few hundred.
    public static let maxNesting = 10_000

    /// Throws ``ModuleError`` naming the first bound `bytes` passes. Nothing of the bytes
    /// themselves is echoed: a `binary:` may name any file.
    public static func check(_ bytes: [UInt8]) throws(ModuleError) {
        guard bytes.count <= maxModuleBytes else {
            throw ModuleError("the module is \(bytes.count) bytes; at most \(maxModuleBytes) (32 MiB)")
        }
        guard bytes.count >= 8, bytes[0..<4].elementsEqual([0x00, 0x61, 0x73, 0x6D]) else {
            throw ModuleError("not a WebAssembly module (it does not start with the \\0asm header)")
        }
        guard bytes[4..<8].elementsEqual([1, 0, 0, 0]) else {
            throw ModuleError("unsupported WebAssembly version (only version 1 binaries are accepted)")
        }
        var reader = ByteReader(bytes: bytes, position: 8)
        var functions = 0
        while !reader.atEnd {
            let id = try reader.byte("section id")
            let size = try reader.leb("section size")
            let end = try reader.limit(size, "section \(id)")
            switch id {
            case 2: functions += try countFunctionImports(&reader)
            case 3:
                // Clamped to just past the bound, so that adding to the imports cannot overflow.
                functions += Int(min(try reader.leb("function count"), UInt64(maxFunctions + 1)))
            case 10: try checkCode(&reader)
            default: break
            }
            guard functions <= maxFunctions else {
                throw ModuleError("the module has more than \(maxFunctions) functions")
            }
            reader.position = end
        }
        try checkNesting(bytes)
    }

    /// Imports are listed as (module, name, kind, description); only function imports count.
    private static func countFunctionImports(_ reader: inout ByteReader) throws(ModuleError) -> Int {
        let count = try reader.leb("import count")
        var functions = 0
        for _ in 0..<min(count, UInt64(maxFunctions + 1)) {
            try reader.skip(Int(clamping: try reader.leb("import module length")), "import module name")
            try reader.skip(Int(clamping: try reader.leb("import name length")), "import name")
            let kind = try reader.byte("import kind")
            guard kind == 0 else { return functions }  // other kinds have varied layouts; not needed
            _ = try reader.leb("import type")
            functions += 1
        }
        return functions
    }

    /// Function bodies: their sizes and the locals they declare, before WasmKit expands them.
    private static func checkCode(_ reader: inout ByteReader) throws(ModuleError) {
        let count = try reader.leb("code count")
        guard count <= UInt64(maxFunctions) else {
            throw ModuleError("the module has more than \(maxFunctions) functions")
        }
        var totalLocals: UInt64 = 0
        for index in 0..<Int(count) {
            let size = try reader.leb("function \(index) size")
            guard size <= UInt64(maxFunctionBodyBytes) else {
                throw ModuleError("function \(index) is \(size) bytes; at most \(maxFunctionBodyBytes) (2 MiB)")
            }
            let bodyEnd = try reader.limit(size, "function \(index)")
            let groups = try reader.leb("function \(index) local groups")
            var locals: UInt64 = 0
            for _ in 0..<min(groups, UInt64(maxLocalsPerFunction) + 1) {
                locals &+= try reader.leb("function \(index) local count")
                _ = try reader.byte("function \(index) local type")
                guard locals <= UInt64(maxLocalsPerFunction) else {
                    throw ModuleError("function \(index) declares more than \(maxLocalsPerFunction) locals")
                }
            }
            totalLocals += locals
            guard totalLocals <= UInt64(maxLocals) else {
                throw ModuleError("the module's functions declare more than \(maxLocals) locals in all")
            }
            reader.position = bodyEnd
        }
    }

    /// Walks every function body with WasmKit's own decoder (the sizes and locals are
    /// bounded by now), keeping only a depth counter.
    private static func checkNesting(_ bytes: [UInt8]) throws(ModuleError) {
        var parser = Parser(bytes: bytes)
        var index = 0
        do {
            while let payload = try parser.parseNext() {
                guard case .codeSection(let codes) = payload else { continue }
                for code in codes {
                    var expression = ExpressionParser(code: code)
                    var depth = NestingDepth()
                    while let visit = try expression.parse() {
                        try visit(visitor: &depth)
                    }
                    index += 1
                }
            }
        } catch let error as NestingDepth.TooDeep {
            _ = error
            throw ModuleError("function \(index) nests blocks deeper than \(maxNesting) levels")
        } catch {
            // Malformed code is WasmKit's to report, with its own message, when it parses.
            return
        }
    }
}

/// Counts block nesting while WasmKit's decoder walks a function body.
private struct NestingDepth: AnyInstructionVisitor {
    struct TooDeep: Error {}
    typealias VisitorError = TooDeep
    var binaryOffset = 0
    var depth = 0

    mutating func visit(_ instruction: Instruction) throws(TooDeep) {
        switch instruction {
        case .block, .loop, .if, .tryTable:
            depth += 1
            if depth > ModuleBounds.maxNesting { throw TooDeep() }
        case .end:
            depth -= 1
        default:
            break
        }
    }
}

/// Why a module was refused before it was parsed.
public struct ModuleError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// A bounds-checked cursor over module bytes.
private struct ByteReader {
    let bytes: [UInt8]
    var position: Int

    var atEnd: Bool { position >= bytes.count }

    mutating func byte(_ what: String) throws(ModuleError) -> UInt8 {
        guard position < bytes.count else { throw ModuleError("the module ends inside its \(what)") }
        defer { position += 1 }
        return bytes[position]
    }

    /// An unsigned LEB128 of at most 64 bits.
    mutating func leb(_ what: String) throws(ModuleError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let next = try byte(what)
            guard shift < 64 else { throw ModuleError("the module's \(what) is not a valid number") }
            result |= UInt64(next & 0x7F) << shift
            if next & 0x80 == 0 { return result }
            shift += 7
        }
    }

    /// The position `size` bytes ahead, which must lie inside the module.
    func limit(_ size: UInt64, _ what: String) throws(ModuleError) -> Int {
        guard size <= UInt64(bytes.count - position) else {
            throw ModuleError("the module's \(what) runs past its end")
        }
        return position + Int(size)
    }

    mutating func skip(_ count: Int, _ what: String) throws(ModuleError) {
        position = try limit(UInt64(count), what)
    }
}
