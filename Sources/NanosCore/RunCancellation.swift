import Synchronization

/// Lets another thread end a run early (the server's cancel). The run ends with status
/// `cancelled` at its next syscall or metered region, whichever comes first: the same
/// path as the deadline, so a guest spinning in pure computation stops too.
public final class RunCancellation: Sendable {
    private let cancelled = Atomic<Bool>(false)
    /// What to do on cancel (stop the guest's fuel); run at once when added after it.
    private let actions = Mutex<[@Sendable () -> Void]>([])

    public init() {}

    public var isCancelled: Bool { cancelled.load(ordering: .acquiring) }

    /// Idempotent; safe from any thread.
    public func cancel() {
        guard !cancelled.exchange(true, ordering: .acquiringAndReleasing) else { return }
        for action in actions.withLock({ $0 }) { action() }
    }

    func whenCancelled(_ action: @escaping @Sendable () -> Void) {
        actions.withLock { $0.append(action) }
        if isCancelled { action() }
    }
}
