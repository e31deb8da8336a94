import NanosJSON

/// The JSON parser and writer. A value that parses must serialize to text that parses
/// back to the same value (JSONValue's == compares the serialized forms), and its pretty
/// form must parse back to it too.
let jsonTarget = FuzzTarget(
    name: "json",
    summary: "JSONValue.parse, then parse(serialized(v)) == v and parse(prettyPrinted(v)) == v",
    run: { bytes in
        guard let value = try? JSONValue.parse(bytes) else { return }
        let text = value.serialized()
        let again: JSONValue
        do {
            again = try JSONValue.parse(text)
        } catch {
            check(false, "serialized JSON does not parse: \(error) in \(text.debugDescription)")
            return
        }
        check(
            again.serialized() == text,
            "round trip changed \(text.debugDescription) to \(again.serialized().debugDescription)")
        let pretty = value.prettyPrinted()
        let fromPretty = try? JSONValue.parse(pretty)
        check(
            fromPretty?.serialized() == text,
            "pretty form \(pretty.debugDescription) does not parse back to \(text.debugDescription)")
    })
