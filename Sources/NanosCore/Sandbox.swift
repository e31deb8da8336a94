import Dispatch
import Foundation
import NanosManifest
import Synchronization
@_spi(Fuzzing) import WasmKit

/// Engines are shared by every agent in the process, one per interpreter stack size
/// (the stack size is an engine setting in WasmKit). Stores are per agent.
final class EngineCache: Sendable {
    static let shared = EngineCache()
    private let engines = Mutex<[Int: Engine]>([:])

    func engine(stackSize: Int) -> Engine {
        engines.withLock { engines in
            if let engine = engines[stackSize] { return engine }
            let engine = Engine(
                configuration: EngineConfiguration(
                    stackSize: stackSize, memoryBoundsChecking: .software, fuelMetering: true))
            engines[stackSize] = engine
            return engine
        }
    }
}

/// Caps linear memory at `resources.memory`. Growth past the cap ends the run with
/// `out_of_memory` rather than returning -1, so a memory bomb stops at once with a
/// clear status instead of spinning on failed allocations. The limit is set per run:
/// a pooled instance serves agents with different manifests.
final class MemoryCap: ResourceLimiter, @unchecked Sendable {
    // @unchecked: read and written by the one thread that holds the instance.
    var limitBytes: Int
    init(limitBytes: Int) { self.limitBytes = limitBytes }

    func limitMemoryGrowth(to desired: Int) throws -> Bool {
        guard desired <= limitBytes else {
            throw RunTermination.outOfMemory(requestedBytes: desired, limitBytes: limitBytes)
        }
        return true
    }

    func limitTableGrowth(to desired: Int) throws -> Bool {
        desired <= 10_000
    }
}

/// Runs one agent to completion inside a fresh store.
enum Sandbox {

    static func execute(
        image: AgentImage, manifest: Manifest, services: ServiceFactory, recording: RunRecording = RunRecording(),
        logSink: @escaping LogSink, started: ContinuousClock.Instant = .now
    ) -> RunReport {
        let limits = RunLimits(
            manifest.resources, preferredStackBytes: image.preferredStackBytes, jsAgent: image.isJSAgent)
        var live: LiveInstance?
        let report = execute(
            image, reusing: image.pool?.checkout(stackSize: limits.stackBytes), limits: limits, manifest: manifest,
            services: services, recording: recording, logSink: logSink, started: started, used: &live)
        // After the run's own clean-up (watchdog disarmed, run detached), never during it.
        if let live { image.pool?.checkin(live) }
        return report
    }

    /// Runs the agent on `reused`, or on a fresh instance made under the run's limits
    /// (the watchdog and fuel already cover instantiation); `used` is the instance
    /// that ran, for the pool.
    private static func execute(
        _ image: AgentImage, reusing reused: LiveInstance?, limits: RunLimits, manifest: Manifest,
        services: ServiceFactory, recording: RunRecording, logSink: @escaping LogSink,
        started: ContinuousClock.Instant, used: inout LiveInstance?
    ) -> RunReport {
        let stackSize = limits.stackBytes
        let timeout = limits.timeout
        let deadline = started + timeout
        let store = reused?.store ?? Store(engine: EngineCache.shared.engine(stackSize: stackSize))
        let memoryCap = reused?.memoryCap ?? MemoryCap(limitBytes: limits.memoryBytes)
        memoryCap.limitBytes = limits.memoryBytes
        store.resourceLimiter = memoryCap
        let context = RunContext(
            manifest: manifest, policy: Policy(manifest: manifest), limits: limits, deadline: deadline)
        let run = AgentRun(
            store: store, context: context, services: services(context), recording: recording, logSink: logSink)
        defer { run.detach() }
        let calls: HostCallSlot
        if let reused {
            calls = reused.calls
        } else {
            do {
                calls = HostCallSlot(hosts: try hostImports(of: image.module))
            } catch {
                var report = RunReport(agent: manifest.name, status: .invalidModule)
                report.message = error.message
                report.limits = limits
                return report
            }
        }
        calls.bind(run)
        defer { calls.unbind() }
        used = reused

        let fuelBudget = limits.fuel
        store.fuel = Fuel(remaining: fuelBudget)
        run.fuelAtLastStep = fuelBudget
        let watchdog = Watchdog(store: store, deadline: deadline)
        defer { watchdog.disarm() }
        recording.cancellation?.whenCancelled { watchdog.expire() }
        let cancelledMessage = "the run was cancelled"
        var report = RunReport(agent: manifest.name, status: .failed)
        report.limits = limits
        func finish(_ status: RunStatus, summary: String? = nil, message: String? = nil, guestExitCode: Int32? = nil)
            -> RunReport
        {
            report.status = status
            report.summary = summary
            report.message = message
            report.guestExitCode = guestExitCode
            report.steps = run.steps
            report.replayedSteps = run.replayedSteps
            let remaining = watchdog.remainingFuelAtDeadline ?? store.fuel?.remaining ?? fuelBudget
            report.fuelUsed = fuelBudget >= remaining ? fuelBudget - remaining : 0
            report.peakMemoryBytes = max(run.peakMemoryBytes, run.memory?.memory.byteCount ?? 0)
            for service in run.services { service.contribute(to: &report) }
            report.durationNanoseconds = UInt64(clamping: started.duration(to: .now).nanosecondCount)
            return report
        }

        do {
            let instance: Instance
            if let reused {
                instance = reused.instance
            } else {
                instance = try image.module.instantiate(
                    store: store, imports: calls.imports(for: image.module, store: store))
                let fresh = LiveInstance(
                    store: store, instance: instance, calls: calls, memoryCap: memoryCap, stackSize: stackSize)
                image.pool?.noteFresh(fresh)
                used = fresh
            }
            run.bind(instance: instance)
            if let entry = instance.exports[function: "run"] {
                let results = try entry.invoke([])
                guard case .i32(let raw)? = results.first else {
                    return finish(.failed, message: "the guest's run export must return i32")
                }
                let code = Int32(bitPattern: raw)
                if code == 0 { return finish(.ok) }
                let status: RunStatus = run.lastFailure == .EPERM ? .denied : .failed
                return finish(status, message: "the guest returned \(code)", guestExitCode: code)
            }
            guard let entry = instance.exports[function: "_start"] ?? instance.exports[function: "run_agent"] else {
                return finish(
                    .failed, message: "the guest exports no entry point: export run() -> i32, _start or run_agent")
            }
            _ = try entry.invoke([])
            return finish(.ok)
        } catch let termination as RunTermination {
            switch termination {
            case .done(let summary):
                return finish(.ok, summary: summary)
            case .exit(let code):
                if code == 0 { return finish(.ok) }
                let status: RunStatus = run.lastFailure == .EPERM ? .denied : .failed
                return finish(status, message: "the guest exited with code \(code)", guestExitCode: code)
            case .maxSteps(let limit):
                return finish(.maxSteps, message: "the agent made more than resources.max_steps = \(limit) syscalls")
            case .timeout:
                return finish(.timeout, message: "the run passed resources.timeout = \(timeout)")
            case .cancelled:
                return finish(.cancelled, message: cancelledMessage)
            case .outOfMemory(let requested, let limit):
                return finish(
                    .outOfMemory,
                    message: "the guest asked for \(requested) bytes of linear memory; resources.memory allows \(limit)"
                )
            case .traceFull(let bytes, let limit):
                return finish(
                    .outOfMemory,
                    message: "the trace reached \(bytes) bytes of arguments, results and messages; "
                        + "resources.trace allows \(limit) (the steps up to here are kept)")
            case .diverged(let divergence):
                return finish(.diverged, message: divergence.description)
            case .stopped(let steps):
                return finish(.stopped, message: "replay stopped after step \(steps), as asked")
            case .syscallInsideAllocator(let call):
                return finish(
                    .trap,
                    message: "the guest's nanos_alloc called \(call) while the host was placing a result; "
                        + "nanos_alloc must only allocate (docs/abi.md)")
            }
        } catch {
            switch TrapCause(error) {
            case .outOfFuel:
                if recording.cancellation?.isCancelled == true, watchdog.fired {
                    return finish(.cancelled, message: cancelledMessage)
                }
                if watchdog.fired {
                    return finish(.timeout, message: "the run passed resources.timeout = \(timeout)")
                }
                return finish(.outOfFuel, message: "the guest used all of resources.fuel = \(fuelBudget)")
            case .callStackExhausted:
                return finish(
                    .trap, message: "call stack exhausted (deep recursion); resources.stack can raise the limit")
            case .other(let reason):
                return finish(.trap, message: reason)
            case .notATrap(let text):
                return finish(.failed, message: "could not start the guest: \(text)")
            }
        }
    }

    struct LinkError: Error {
        let message: String
    }

    /// The host function for each import of the module, in order, refusing anything
    /// nanos does not serve with a message that names the import.
    static func hostImports(of module: Module) throws(LinkError) -> [HostImport] {
        var hosts: [HostImport] = []
        var needsAllocator = false
        for entry in module.imports {
            guard case .function(let typeIndex) = entry.descriptor else {
                throw LinkError(
                    message:
                        "the guest imports \(entry.module).\(entry.name), which is not a function; nanos provides only functions (export your memory instead of importing it)"
                )
            }
            guard let type = module.functionType(at: typeIndex) else {
                throw LinkError(message: "import \(entry.module).\(entry.name) has an invalid type")
            }
            let host =
                CallBinding.lookup(module: entry.module, name: entry.name)
                ?? (entry.module == WASIPreview1.module ? WASIPreview1.stub(name: entry.name, type: type) : nil)
            guard let host else {
                throw LinkError(
                    message:
                        "the guest imports \(entry.module).\(entry.name), which nanos does not provide (ABI v1 is module \"nanos\"; see docs/abi.md)"
                )
            }
            guard host.type == type else {
                throw LinkError(
                    message:
                        "import \(entry.module).\(entry.name) has type \(describe(type)) but nanos defines \(describe(host.type))"
                )
            }
            if ABI.call(module: entry.module, name: entry.name)?.result == .data { needsAllocator = true }
            hosts.append(host)
        }
        if needsAllocator, !module.exports.contains(where: { $0.name == "nanos_alloc" }) {
            throw LinkError(
                message:
                    "the guest imports calls that return data but exports no nanos_alloc(size i32) -> i32 to receive them"
            )
        }
        return hosts
    }

    static func describe(_ type: FunctionType) -> String {
        func names(_ types: [ValueType]) -> String {
            types.map { "\($0)" }.joined(separator: ", ")
        }
        return "(\(names(type.parameters))) -> (\(names(type.results)))"
    }
}
