#include "index_memory.h"

#include <faisslike/IndexFlat.h>
#include <faisslike/IndexFlatCodes.h>
#include <faisslike/IndexHNSW.h>
#include <faisslike/IndexIDMap.h>

namespace faisslike::tools {

namespace {

// An unordered_map entry: the node (key, value, next pointer, cached hash)
// plus its bucket pointer.
constexpr uint64_t kHashEntryBytes = 40;

} // namespace

uint64_t index_memory_bytes(const Index& index) {
    uint64_t n = uint64_t(index.ntotal);
    if (auto idmap = dynamic_cast<const IndexIDMap*>(&index)) {
        uint64_t bytes = idmap->id_map.size() * sizeof(idx_t);
        if (auto idmap2 = dynamic_cast<const IndexIDMap2*>(&index)) {
            bytes += idmap2->rev_map.size() * kHashEntryBytes;
        }
        return bytes + (idmap->index ? index_memory_bytes(*idmap->index) : 0);
    }
    if (auto hnsw = dynamic_cast<const IndexHNSW*>(&index)) {
        // The graph's arrays, then its storage (which counts deleted rows too).
        const HNSW& g = hnsw->hnsw;
        uint64_t bytes = g.neighbors.size() * sizeof(HNSW::storage_idx_t) +
                g.offsets.size() * sizeof(size_t) + g.levels.size() * sizeof(int);
        return bytes + (hnsw->storage ? index_memory_bytes(*hnsw->storage) : 0);
    }
    if (auto codes = dynamic_cast<const IndexFlatCodes*>(&index)) {
        uint64_t bytes = codes->codes.size();
        // IndexFlat caches the squared norms of its vectors for L2 search.
        auto flat = dynamic_cast<const IndexFlat*>(&index);
        if (flat && flat->l2norms_cached() && index.metric_type == METRIC_L2) {
            bytes += n * sizeof(float);
        }
        return bytes;
    }
    return n * uint64_t(index.d) * sizeof(float);
}

} // namespace faisslike::tools
