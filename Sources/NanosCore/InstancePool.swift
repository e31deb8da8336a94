import Foundation
import Synchronization
@_spi(Fuzzing) import WasmKit

/// The host functions of one instance, pointed at the run it currently serves.
///
/// Imports are bound once, at instantiation, to closures that call through this slot;
/// each run installs its own implementations (made for its `AgentRun`) and removes
/// them at the end, so an instance can serve one agent after another and a finished
/// run is never reachable from the store.
final class HostCallSlot: @unchecked Sendable {
    // @unchecked: an instance, and so its slot, is used by one thread at a time (the
    // pool hands it over under a lock).
    let hosts: [HostImport]
    /// Replaced only between runs, read on every call: the exclusivity check per read
    /// would guard nothing.
    @exclusivity(unchecked) private(set) var implementations: [Function.RawImplementation]

    init(hosts: [HostImport]) {
        self.hosts = hosts
        implementations = HostCallSlot.idle(hosts)
    }

    /// What a call finds between runs: an error that names it (nothing should call then).
    private static func idle(_ hosts: [HostImport]) -> [Function.RawImplementation] {
        hosts.map { host in
            { _, _, _ in throw CalledOutsideRun(call: "\(host.module).\(host.name)") }
        }
    }

    struct CalledOutsideRun: Error, CustomStringConvertible {
        let call: String
        var description: String { "\(call) was called outside a run" }
    }

    func bind(_ run: AgentRun) {
        implementations = hosts.map { $0.make(run) }
    }

    func unbind() {
        implementations = HostCallSlot.idle(hosts)
    }

    /// The module's imports, each forwarding to whatever the current run installed.
    func imports(for module: Module, store: Store) -> Imports {
        var imports = Imports()
        for (index, host) in hosts.enumerated() {
            imports.define(
                module: host.module, name: host.name,
                Function(
                    store: store, parameters: host.parameters, results: host.results,
                    raw: { caller, arguments, results in
                        // Strong: the slot holds no store, so this makes no cycle.
                        try self.implementations[index](caller, arguments, results)
                    }))
        }
        return imports
    }
}

/// An instantiated agent with its store, ready to run (again).
final class LiveInstance: @unchecked Sendable {
    // @unchecked: used by one thread at a time, handed over through the pool's lock.
    let store: Store
    let instance: Instance
    let calls: HostCallSlot
    let memoryCap: MemoryCap
    let stackSize: Int

    init(store: Store, instance: Instance, calls: HostCallSlot, memoryCap: MemoryCap, stackSize: Int) {
        self.store = store
        self.instance = instance
        self.calls = calls
        self.memoryCap = memoryCap
        self.stackSize = stackSize
    }
}

/// Instances of one agent image kept after their run, put back to their state at
/// instantiation, for the next agent of the same image.
///
/// WasmKit translates a function to its internal code once per instance, the first
/// time it runs. For a large guest such as the QuickJS runtime that translation is
/// most of a cold start; a reused instance has it done already, so a process pays it
/// once rather than once per agent.
///
/// Only images whose whole mutable state can be put back take part: every mutable
/// global must be exported (the JS compiler exports them) so it can be restored, and
/// the memory is copied back from the image taken right after instantiation. An
/// instance whose memory grew cannot shrink and is dropped instead. Tables are not
/// restored: only the module's own code could change them, and the JS runtime never
/// does.
public final class InstancePool: Sendable {
    /// Idle instances kept per image; more concurrent agents simply instantiate.
    static let capacity = 8
    static let globalExportPrefix = JSImageFormat.globalExportPrefix

    private struct State {
        var idle: [LiveInstance] = []
        /// Memory and globals right after instantiation, taken from the first instance.
        var pristine: Pristine?
    }

    private struct Pristine {
        let memory: [UInt8]
        let globals: [(name: String, value: Value)]
    }

    private let state = Mutex(State())

    /// A pool for a JS agent's module, or nil when its state cannot all be restored.
    static func forModule(_ module: Module) -> InstancePool? {
        module.exports.contains { $0.name.hasPrefix(globalExportPrefix) } ? InstancePool() : nil
    }

    /// Instances waiting for a run.
    var idleCount: Int { state.withLock { $0.idle.count } }

    func checkout(stackSize: Int) -> LiveInstance? {
        state.withLock { state in
            guard let index = state.idle.lastIndex(where: { $0.stackSize == stackSize }) else { return nil }
            return state.idle.remove(at: index)
        }
    }

    /// Records the instance's state before its first run; called once per fresh instance.
    func noteFresh(_ live: LiveInstance) {
        let needed = state.withLock { $0.pristine == nil }
        guard needed, let memory = live.instance.exports[memory: "memory"] else { return }
        let bytes = memory.withUnsafeBufferPointer(offset: 0, count: memory.byteCount) { Array($0) }
        var globals: [(String, Value)] = []
        for (name, value) in live.instance.exports {
            if name.hasPrefix(InstancePool.globalExportPrefix), case .global(let global) = value {
                globals.append((name, global.value))
            }
        }
        let pristine = Pristine(memory: bytes, globals: globals)
        state.withLock { if $0.pristine == nil { $0.pristine = pristine } }
    }

    /// Restores the instance and keeps it, or drops it when it cannot be restored.
    func checkin(_ live: LiveInstance) {
        guard let pristine = state.withLock({ $0.pristine }),
            let memory = live.instance.exports[memory: "memory"], memory.byteCount == pristine.memory.count
        else { return }
        memory.withUnsafeMutableBufferPointer(offset: 0, count: pristine.memory.count) { buffer in
            pristine.memory.withUnsafeBytes { buffer.copyMemory(from: $0) }
        }
        for (name, value) in pristine.globals {
            guard let global = live.instance.exports[global: name], (try? global.assign(value)) != nil else { return }
        }
        state.withLock { state in
            if state.idle.count < InstancePool.capacity { state.idle.append(live) }
        }
    }
}
