#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
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

/// Visited tables kept between the searches of a graph index: allocating one
/// per thread per call would cost more than a small search itself.
class VisitedTablePool {
   public:
    /// A table of at least `size` nodes (a kept one when there is one).
    std::unique_ptr<VisitedTable> take(size_t size) {
        std::unique_ptr<VisitedTable> vt;
        {
            std::lock_guard<std::mutex> guard(mutex_);
            if (!tables_.empty()) {
                vt = std::move(tables_.back());
                tables_.pop_back();
            }
        }
        if (!vt) {
            return std::make_unique<VisitedTable>(size);
        }
        if (vt->visited.size() < size) {
            vt->resize(size);
        }
        return vt;
    }

    void give_back(std::unique_ptr<VisitedTable> vt) {
        std::lock_guard<std::mutex> guard(mutex_);
        tables_.push_back(std::move(vt));
    }

    void clear() {
        std::lock_guard<std::mutex> guard(mutex_);
        tables_.clear();
    }

   private:
    std::mutex mutex_;
    std::vector<std::unique_ptr<VisitedTable>> tables_;
};

} // namespace faisslike
