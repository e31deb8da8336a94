import Foundation
import NanosCore
import NanosJSON
import NanosNATS
import NanosStore

/// Appends every completed step of a fleet agent to its subject of the steps stream,
/// before the guest goes on, so another node can resume the run if this one dies. (The
/// node's own trace store, when it has one, is chained in front of it by the kernel.)
final class StepLog: StepRecorder, @unchecked Sendable {
    // Sendable: used from the run's thread only; `failure` is read after the run.
    private let jetStream: JetStream
    private let subject: String
    /// Steps the run was resumed with: already in the stream.
    private let alreadyLogged: Int
    private(set) var failure: NATSError?

    init(jetStream: JetStream, fleet: String, agent: String, alreadyLogged: Int) {
        self.jetStream = jetStream
        subject = FleetNames.stepSubject(fleet: fleet, agent: agent)
        self.alreadyLogged = alreadyLogged
    }

    func record(_ step: Step, durable: Bool) {
        guard step.index > alreadyLogged, failure == nil else { return }
        do {
            try jetStream.publish(subject, Array(step.jsonObject().serialized().utf8), timeout: .seconds(10))
        } catch {
            // The run goes on; it can no longer be resumed past this step elsewhere.
            failure = error
        }
    }

    /// The steps logged for an agent's run, in order, up to the first gap (a step another
    /// attempt logged twice is taken once).
    static func steps(jetStream: JetStream, fleet: String, agent: String, limit: Int) throws(NATSError) -> [Step] {
        let stored = try jetStream.storedMessages(
            stream: FleetNames.stepStream, subject: FleetNames.stepSubject(fleet: fleet, agent: agent), maxCount: limit)
        var steps: [Step] = []
        for message in stored {
            guard let json = try? JSONValue.parse(message.data), let step = Step(json: json) else { continue }
            if step.index == steps.count + 1 { steps.append(step) }
        }
        return steps
    }
}
