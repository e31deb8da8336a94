@_exported import NanosABI
import NanosManifest

/// The runtime core's API: run one agent image under its manifest, with the services
/// `services` makes for the run. The core knows no service; a front end (through the
/// kernel, which wires the standard ones) decides what plugs in.
public enum Core {
    /// Runs the agent to its end. Never throws: every way a run can end is a status in
    /// the report. `recording` answers calls from a record (replay, fork, resume) and
    /// sends the steps to a store. `started`: when the run began (its deadline counts from then), before
    /// its module was loaded if loading is part of the run.
    public static func run(
        manifest: Manifest, image: AgentImage, services: @escaping ServiceFactory,
        recording: RunRecording = RunRecording(), logSink: @escaping LogSink = { _, _ in },
        started: ContinuousClock.Instant = .now
    ) -> RunReport {
        Sandbox.execute(
            image: image, manifest: manifest, services: services, recording: recording, logSink: logSink,
            started: started)
    }

    /// A report for a run that could not start.
    public static func failedReport(_ manifest: Manifest, _ message: String, status: RunStatus = .failed) -> RunReport {
        var report = RunReport(agent: manifest.name, status: status)
        report.message = message
        return report
    }
}
