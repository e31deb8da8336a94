/// The candidate the user most likely meant by `word`, or nil when none is close.
/// Case, `_` and `-` are ignored, so `maxSteps` and `max-steps` find `max_steps`.
func nearestName(to word: String, in candidates: [String]) -> String? {
    let typed = comparable(word)
    var best: (name: String, distance: Int)?
    for candidate in candidates {
        let target = comparable(candidate)
        // Allow about one typo per three letters, so short keys need a close match.
        let allowed = max(1, min(3, target.count / 3))
        let distance = editDistance(typed, target)
        if distance <= allowed, distance < best?.distance ?? .max { best = (candidate, distance) }
    }
    return best?.name
}

private func comparable(_ name: String) -> [Character] {
    Array(name.lowercased().filter { $0 != "_" && $0 != "-" })
}

/// Edits (insert, delete, substitute, swap two neighbours) that turn `a` into `b`.
/// Swaps count once because transposed letters are the commonest typo (`memroy`).
private func editDistance(_ a: [Character], _ b: [Character]) -> Int {
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var table = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
    for i in 0...a.count { table[i][0] = i }
    for j in 0...b.count { table[0][j] = j }
    for i in 1...a.count {
        for j in 1...b.count {
            let cost = a[i - 1] == b[j - 1] ? 0 : 1
            table[i][j] = min(table[i - 1][j] + 1, table[i][j - 1] + 1, table[i - 1][j - 1] + cost)
            if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                table[i][j] = min(table[i][j], table[i - 2][j - 2] + 1)
            }
        }
    }
    return table[a.count][b.count]
}
