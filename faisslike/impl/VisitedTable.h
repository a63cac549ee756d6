#pragma once

#include <cstdint>
#include <cstring>
#include <vector>

namespace faisslike {

/// Marks the nodes a graph search has already seen (Faiss's VisitedTable).
/// One byte per node holding the number of the search that last visited it,
/// so starting a new search is O(1); the bytes are cleared only once every
/// 255 searches. One byte keeps the table small enough to stay in cache.
struct VisitedTable {
    std::vector<uint8_t> visited;
    uint8_t visno = 1;

    explicit VisitedTable(size_t size) : visited(size, 0) {}

    /// Marks node i; returns true when it was not marked yet.
    bool set(size_t i) {
        if (visited[i] == visno) {
            return false;
        }
        visited[i] = visno;
        return true;
    }

    bool get(size_t i) const { return visited[i] == visno; }

    void prefetch(size_t i) const { __builtin_prefetch(visited.data() + i); }

    /// Unmarks every node, for the next search.
    void advance() {
        if (++visno == 0) {
            std::memset(visited.data(), 0, visited.size());
            visno = 1;
        }
    }

    /// Grows the table (new nodes unmarked).
    void resize(size_t size) { visited.resize(size, 0); }
};

} // namespace faisslike
