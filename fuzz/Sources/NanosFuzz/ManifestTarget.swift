import NanosManifest

/// `.nano` text: the YAML reader and every field's checks. `parse` is declared to throw
/// only `ManifestError` (typed throws), so the property is: it returns or throws, never crashes.
let manifestTarget = FuzzTarget(
    name: "manifest",
    summary: "Manifest.parse(yaml:directory:sourcePath:) on arbitrary text; only ManifestError, never a crash",
    run: { bytes in
        let text = String(decoding: bytes, as: UTF8.self)
        do throws(ManifestError) {
            let manifest = try Manifest.parse(yaml: text, directory: scratchFolder, sourcePath: "fuzz.nano")
            // What front ends read of a manifest that passed.
            _ = manifest.tools.map { $0.map(\.rawValue) }
            _ = manifest.agents.map(\.toolGroups)
        } catch {
            _ = error.description
        }
    },
    prepare: { _ = scratchFolder })
