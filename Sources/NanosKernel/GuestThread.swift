import Foundation

/// Starts `body` on a thread for a guest run: a run blocks its thread for its whole
/// length, and the interpreter and the kernel's services get 16 MiB of stack, as the
/// decode engine's thread does. The stack is reserved, not touched: a thousand runs
/// cost address space, not memory.
public func startGuestThread(name: String, _ body: @escaping @Sendable () -> Void) {
    let thread = Thread(block: body)
    thread.name = name
    thread.stackSize = 16 << 20
    thread.start()
}
