/// How `nanos compile` marks a JS agent's module and what the kernel reads back from it:
/// one definition for both sides.
public enum JSImageFormat {
    /// The custom section that marks a JS agent: JSON `{"runtime": "...", "stack_bytes": N}`,
    /// what built it and the interpreter stack it needs when the manifest sets none.
    public static let sectionName = "nanos.js"
    /// The section's key for the runtime that built the agent.
    public static let runtimeKey = "runtime"
    /// The section's key for the interpreter stack, in bytes.
    public static let stackBytesKey = "stack_bytes"
    /// Mutable globals (the C stack pointer) are exported under this prefix, so the kernel
    /// can put a used instance back to its first state and start the next agent on it.
    public static let globalExportPrefix = "nanos_global_"
}
