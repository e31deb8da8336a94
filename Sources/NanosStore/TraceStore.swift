import Foundation
import GRDB
import NanosCore

/// Recorded runs and their steps, in one SQLite database (docs/replay.md).
///
/// Three tables: `runs` (one row per run), `steps` (one row per syscall, its arguments and
/// data result by payload id) and `payloads` (each distinct byte string once, found by its
/// ``ContentHash`` and size and confirmed byte for byte), so the store grows with new
/// bytes, not with steps. WAL mode: readers never wait for the run that is writing, and a
/// commit survives the process being killed.
public final class TraceStore: Sendable {
    public let path: String
    let pool: DatabasePool

    /// `NANOS_DB`, or `$XDG_DATA_HOME/nanos/runs.db` (`~/.local/share/nanos/runs.db`).
    public static func defaultPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let path = environment["NANOS_DB"], !path.isEmpty { return path }
        let data =
            environment["XDG_DATA_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (environment["HOME"] ?? NSHomeDirectory()) + "/.local/share"
        return data + "/nanos/runs.db"
    }

    /// Opens the database at `path`, creating it (and its folder) if needed.
    public init(path: String) throws(StoreError) {
        self.path = path
        do {
            try FileManager.default.createDirectory(
                atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            var configuration = Configuration()
            configuration.busyMode = .timeout(10)
            configuration.prepareDatabase { db in
                // A commit is in the WAL before it returns; NORMAL skips only the fsync, which a
                // killed process does not need (a power cut can lose the last commits).
                try db.execute(sql: "PRAGMA synchronous = NORMAL")
            }
            pool = try DatabasePool(path: path, configuration: configuration)
            try Self.migrator.migrate(pool)
        } catch {
            throw .database(path: path, reason: "\(error)")
        }
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE runs (
                      id TEXT PRIMARY KEY, agent TEXT NOT NULL, manifest_path TEXT NOT NULL,
                      manifest_text TEXT NOT NULL, manifest_hash TEXT NOT NULL, module_path TEXT NOT NULL,
                      module_hash TEXT NOT NULL, parent TEXT, fork_step INTEGER, status TEXT NOT NULL,
                      started_at REAL NOT NULL, ended_at REAL, summary TEXT, message TEXT, limits TEXT,
                      steps INTEGER NOT NULL DEFAULT 0, tokens INTEGER NOT NULL DEFAULT 0,
                      fuel INTEGER NOT NULL DEFAULT 0, pid INTEGER, process_start TEXT);
                    CREATE INDEX runs_started ON runs(started_at);
                    CREATE TABLE payloads (id INTEGER PRIMARY KEY, hash INTEGER NOT NULL, size INTEGER NOT NULL,
                      data BLOB NOT NULL);
                    CREATE INDEX payloads_hash ON payloads(hash, size);
                    CREATE TABLE steps (
                      run TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE, idx INTEGER NOT NULL,
                      call TEXT NOT NULL, request INTEGER, kind INTEGER NOT NULL, result INTEGER,
                      value INTEGER, errno TEXT, message TEXT, rule TEXT, latency_ns INTEGER NOT NULL,
                      fuel INTEGER NOT NULL, memory INTEGER NOT NULL, tokens INTEGER NOT NULL,
                      counters TEXT, service_log TEXT, PRIMARY KEY (run, idx)) WITHOUT ROWID;
                    """)
        }
        // Forks are looked up by their parent (a run's tree).
        migrator.registerMigration("v2") { db in
            try db.execute(sql: "CREATE INDEX runs_parent ON runs(parent)")
        }
        // The agents of one fleet run share a fleet id.
        migrator.registerMigration("v3") { db in
            try db.execute(sql: "ALTER TABLE runs ADD COLUMN fleet TEXT")
            try db.execute(sql: "CREATE INDEX runs_fleet ON runs(fleet)")
        }
        return migrator
    }

    // MARK: - Runs

    /// Starts recording a new run.
    public func begin(_ info: RunInfo) throws(StoreError) -> RunRecorder {
        try insert(info, pid: Int(getpid()), processStart: ProcessIdentity.current)
        return RunRecorder(store: self, run: info.id, recordedSteps: 0)
    }

    /// Adds a run as being recorded by the process `pid`.
    func insert(_ info: RunInfo, pid: Int, processStart: String?) throws(StoreError) {
        try write { db in
            try db.execute(
                sql: """
                    INSERT INTO runs (id, agent, manifest_path, manifest_text, manifest_hash, module_path,
                      module_hash, parent, fork_step, status, started_at, pid, process_start, fleet)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'running', ?, ?, ?, ?)
                    """,
                arguments: [
                    info.id, info.agent, info.manifestPath, info.manifestText, info.manifestHash, info.modulePath,
                    info.moduleHash, info.parent, info.forkStep, info.startedAt.timeIntervalSince1970, pid,
                    processStart, info.fleet,
                ])
        }
    }

    /// Goes on recording an interrupted run: its recorded steps stay, the rest are added.
    public func resume(_ id: String) throws(StoreError) -> RunRecorder {
        let count = try write { db in
            try db.execute(
                sql: "UPDATE runs SET status = 'running', ended_at = NULL, pid = ?, process_start = ? WHERE id = ?",
                arguments: [Int(getpid()), ProcessIdentity.current, id])
            return try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM steps WHERE run = ?", arguments: [id]) ?? 0
        }
        return RunRecorder(store: self, run: id, recordedSteps: count)
    }

    /// Writes how a run ended.
    func finish(_ id: String, report: RunReport) throws(StoreError) {
        try write { db in
            let limits = report.limits.map { $0.json().serialized() }
            try db.execute(
                sql: """
                    UPDATE runs SET status = ?, ended_at = ?, summary = ?, message = ?, limits = COALESCE(?, limits),
                      steps = (SELECT COUNT(*) FROM steps WHERE run = ?),
                      tokens = (SELECT COALESCE(SUM(tokens), 0) FROM steps WHERE run = ?), fuel = ?, pid = NULL
                    WHERE id = ?
                    """,
                arguments: [
                    report.status.rawValue, Date().timeIntervalSince1970, report.summary, report.message, limits, id,
                    id, Int64(clamping: report.fuelUsed), id,
                ])
        }
    }

    /// Sets a run's status (an imported run that was interrupted where it was recorded).
    func setStatus(_ id: String, _ status: String) throws(StoreError) {
        try write { db in
            try db.execute(
                sql: """
                    UPDATE runs SET status = ?, pid = NULL, steps = (SELECT COUNT(*) FROM steps WHERE run = ?),
                      tokens = (SELECT COALESCE(SUM(tokens), 0) FROM steps WHERE run = ?) WHERE id = ?
                    """, arguments: [status, id, id, id])
        }
    }

    /// The run whose id is `id` or starts with it.
    public func run(_ id: String) throws(StoreError) -> StoredRun {
        let info = try runInfo(id)
        return StoredRun(info: info, steps: try steps(of: info.id))
    }

    public func runInfo(_ id: String) throws(StoreError) -> RunInfo {
        try markInterrupted()
        let rows = try read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM runs WHERE id = ? OR id LIKE ? ORDER BY id = ? DESC LIMIT 6",
                arguments: [id, id.replacingOccurrences(of: "%", with: "") + "%", id])
        }
        guard let first = rows.first else { throw .noSuchRun(id) }
        if rows.count > 1, (first["id"] as String) != id {
            throw .ambiguousRun(id, matches: rows.map { $0["id"] })
        }
        return Self.info(first)
    }

    /// Recent runs first, at most `limit`; only those with `status`, `agent` and `fleet` when given.
    public func runs(limit: Int = 50, status: String? = nil, agent: String? = nil, fleet: String? = nil)
        throws(StoreError) -> [RunInfo]
    {
        try markInterrupted()
        return try read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM runs WHERE (?1 IS NULL OR status = ?1) AND (?2 IS NULL OR agent = ?2)
                      AND (?4 IS NULL OR fleet = ?4)
                    ORDER BY started_at DESC, id LIMIT ?3
                    """, arguments: [status, agent, max(0, limit), fleet]
            ).map(Self.info)
        }
    }

    /// The runs forked from `id` (one level), oldest first, at most `limit`.
    public func forks(of id: String, limit: Int = 1000) throws(StoreError) -> [RunInfo] {
        try read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM runs WHERE parent = ? ORDER BY started_at, id LIMIT ?",
                arguments: [id, max(0, limit)]
            ).map(Self.info)
        }
    }

    /// The recorded steps of a run, in order, from step `first` through step `last`.
    public func steps(of id: String, from first: Int = 1, through last: Int? = nil) throws(StoreError) -> [Step] {
        try read { db in
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT s.*, rq.data AS request_data, rs.data AS result_data FROM steps s
                    LEFT JOIN payloads rq ON rq.id = s.request LEFT JOIN payloads rs ON rs.id = s.result
                    WHERE s.run = ? AND s.idx >= ? AND s.idx <= ? ORDER BY s.idx
                    """, arguments: [id, first, last ?? Int.max])
            var steps: [Step] = []
            while let row = try rows.next() { steps.append(try Self.step(row)) }
            return steps
        }
    }

    /// Runs still marked `running` whose process is gone become `interrupted`.
    func markInterrupted() throws(StoreError) {
        let running = try read { db in
            try Row.fetchAll(db, sql: "SELECT id, pid, process_start FROM runs WHERE status = 'running'")
        }
        let gone = running.filter { row in
            let pid: Int? = row["pid"]
            let start: String? = row["process_start"]
            return !ProcessIdentity.isAlive(pid: pid, start: start)
        }.map { $0["id"] as String }
        if gone.isEmpty { return }
        try write { db in
            for id in gone {
                try db.execute(
                    sql: """
                        UPDATE runs SET status = 'interrupted', pid = NULL,
                          steps = (SELECT COUNT(*) FROM steps WHERE run = ?),
                          tokens = (SELECT COALESCE(SUM(tokens), 0) FROM steps WHERE run = ?)
                        WHERE id = ? AND status = 'running'
                        """, arguments: [id, id, id])
            }
        }
    }

    /// Deletes runs older than `olderThan` seconds, or all but the newest `keep`, and the
    /// payloads no step uses any more; returns how many runs went.
    public func collectGarbage(olderThan age: TimeInterval? = nil, keep: Int? = nil) throws(StoreError) -> Int {
        let removed = try write { db -> Int in
            var ids: [String] = []
            if let age {
                ids += try String.fetchAll(
                    db, sql: "SELECT id FROM runs WHERE status != 'running' AND started_at < ?",
                    arguments: [Date().timeIntervalSince1970 - age])
            }
            if let keep {
                ids += try String.fetchAll(
                    db,
                    sql: "SELECT id FROM runs WHERE status != 'running' ORDER BY started_at DESC, id LIMIT -1 OFFSET ?",
                    arguments: [max(0, keep)])
            }
            let unique = Array(Set(ids))
            for id in unique {
                try db.execute(sql: "DELETE FROM steps WHERE run = ?", arguments: [id])
                try db.execute(sql: "DELETE FROM runs WHERE id = ?", arguments: [id])
            }
            try db.execute(
                sql: """
                    DELETE FROM payloads WHERE id NOT IN (SELECT request FROM steps WHERE request IS NOT NULL)
                      AND id NOT IN (SELECT result FROM steps WHERE result IS NOT NULL)
                    """)
            return unique.count
        }
        do {
            try pool.vacuum()
        } catch {
            throw .database(path: path, reason: "\(error)")
        }
        return removed
    }

    /// Moves what the write-ahead log holds into the database file, and empties the log.
    public func checkpoint() throws(StoreError) {
        do {
            _ = try pool.writeWithoutTransaction { db in try db.checkpoint(.truncate) }
        } catch {
            throw .database(path: path, reason: "\(error)")
        }
    }

    /// Bytes the database file holds (main file and WAL).
    public var sizeBytes: Int {
        [path, path + "-wal"].reduce(0) {
            $0 + ((try? FileManager.default.attributesOfItem(atPath: $1)[.size] as? Int) ?? 0)
        }
    }

    // MARK: - Rows

    static func info(_ row: Row) -> RunInfo {
        var info = RunInfo(
            id: row["id"], agent: row["agent"], manifestPath: row["manifest_path"], manifestText: row["manifest_text"],
            modulePath: row["module_path"], moduleHash: row["module_hash"], parent: row["parent"],
            forkStep: row["fork_step"], startedAt: Date(timeIntervalSince1970: row["started_at"]))
        info.manifestHash = row["manifest_hash"]
        info.status = row["status"]
        info.endedAt = (row["ended_at"] as Double?).map(Date.init(timeIntervalSince1970:))
        info.summary = row["summary"]
        info.message = row["message"]
        info.limits = row["limits"]
        info.steps = row["steps"]
        info.tokens = row["tokens"]
        info.fuel = UInt64(clamping: row["fuel"] as Int64)
        info.fleet = row["fleet"]
        return info
    }

    static func step(_ row: Row) throws -> Step {
        let index: Int = row["idx"]
        let requestData: Data? = row["request_data"]
        guard let arguments = ArgumentCoding.decode(requestData.map { [UInt8]($0) } ?? []) else {
            throw StoreError.invalidTraceFile(line: index, reason: "the arguments of step \(index) are damaged")
        }
        let outcome: StepOutcome
        switch row["kind"] as Int {
        case 0: outcome = .data((row["result_data"] as Data?).map { [UInt8]($0) } ?? [])
        case 1: outcome = .value(row["value"])
        default:
            let errno = Errno(name: row["errno"] ?? "") ?? .EIO
            outcome = .failure(SyscallFailure(errno, row["message"] ?? "", rule: row["rule"]))
        }
        return Step(
            index: index, name: row["call"], args: arguments, outcome: outcome,
            latencyNanoseconds: UInt64(clamping: row["latency_ns"] as Int64),
            fuelUsed: UInt64(clamping: row["fuel"] as Int64), memoryBytes: row["memory"],
            counters: [String: Int64](jsonText: row["counters"]), serviceLog: [String](jsonText: row["service_log"]))
    }

    // MARK: - Access

    func write<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        do {
            return try pool.write(body)
        } catch {
            throw .database(path: path, reason: "\(error)")
        }
    }

    func read<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        do {
            return try pool.read(body)
        } catch let error as StoreError {
            throw error
        } catch {
            throw .database(path: path, reason: "\(error)")
        }
    }
}

/// Which process is recording a run, so a run whose process is gone can be told from one
/// still going: the pid and the process's start time (pids are reused).
enum ProcessIdentity {
    static let current: String = startTime(pid: getpid()) ?? ""

    static func isAlive(pid: Int?, start: String?) -> Bool {
        guard let pid, pid > 0, kill(pid_t(pid), 0) == 0 || errno == EPERM else { return false }
        guard let status = status(pid: pid_t(pid)) else { return false }
        // A killed process nobody has reaped yet (a zombie) has ended all the same.
        if status.state == "Z" || status.state == "X" { return false }
        guard let start, !start.isEmpty else { return true }
        return status.start == start
    }

    static func startTime(pid: pid_t) -> String? {
        status(pid: pid)?.start
    }

    /// Fields 3 and 22 of /proc/PID/stat: the state, and the start time in clock ticks since boot.
    static func status(pid: pid_t) -> (state: String, start: String)? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return fields.count > 19 ? (String(fields[0]), String(fields[19])) : nil
    }
}
