import Foundation
import NanosNATS

/// Runs `body` and returns the NATSError it threw, or nil if it succeeded. (Closures do not infer
/// typed throws yet, so this takes `any Error`; anything but a NATSError is reported as `.failed`.)
func caught<T>(_ body: () throws -> T) -> NATSError? {
    do {
        _ = try body()
        return nil
    } catch let error as NATSError {
        return error
    } catch {
        return .failed("not a NATSError: \(error)")
    }
}

func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

extension NATSError {
    /// The case name, for readable `#expect(... == "exists")` checks.
    var kind: String {
        switch self {
        case .connectionFailed: "connectionFailed"
        case .authorization: "authorization"
        case .timeout: "timeout"
        case .notFound: "notFound"
        case .exists: "exists"
        case .wrongRevision: "wrongRevision"
        case .full: "full"
        case .failed: "failed"
        }
    }
}

/// Collects values handed over from libnats delivery threads.
final class Collector<Value: Sendable>: @unchecked Sendable {
    // `@unchecked`: `values` is only touched under `lock`.
    private let lock = NSLock()
    private var values: [Value] = []

    func append(_ value: Value) {
        lock.withLock { values.append(value) }
    }

    var snapshot: [Value] { lock.withLock { values } }

    /// Polls until at least `count` values arrived or `timeout` passed; returns what arrived.
    func wait(count: Int, timeout: Duration) async -> [Value] {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let current = snapshot
            if current.count >= count { return current }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return snapshot
    }
}

/// A background thread (not the Swift concurrency pool, so blocking tests cannot starve it) that
/// runs `tick` every `interval` until `stop()`; errors from `tick` are collected.
final class Ticker: @unchecked Sendable {
    // `@unchecked`: `running` and `errors` are only touched under `lock`.
    private let lock = NSLock()
    private var running = true
    private var errors: [Error] = []
    private let done = DispatchSemaphore(value: 0)

    init(every interval: Duration, _ tick: @escaping @Sendable () throws -> Void) {
        let seconds = Double(interval.components.seconds) + Double(interval.components.attoseconds) / 1e18
        Thread.detachNewThread { [self] in
            while lock.withLock({ running }) {
                do { try tick() } catch { lock.withLock { errors.append(error) } }
                Thread.sleep(forTimeInterval: seconds)
            }
            done.signal()
        }
    }

    /// Stops the thread, waits for it, and returns the errors `tick` threw.
    func stop() -> [Error] {
        lock.withLock { running = false }
        done.wait()
        return lock.withLock { errors }
    }
}
