#include <faisslike/impl/HNSW.h>

#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <vector>

#include <faisslike/impl/DistanceComputer.h>
#include <faisslike/impl/FaisslikeException.h>
#include <faisslike/impl/IDSelector.h>
#include <faisslike/impl/InterruptCallback.h>
#include <faisslike/impl/VisitedTable.h>
#include <faisslike/utils/parallel.h>

namespace faisslike {

using storage_idx_t = HNSW::storage_idx_t;

HNSW::HNSW(int M) : rng(12345) {
    FAISSLIKE_THROW_IF_NOT_FMT(M >= 2, "HNSW: M = %d must be >= 2", M);
    set_default_probas(M, float(1.0 / std::log(double(M))));
    offsets.push_back(0);
}

void HNSW::set_default_probas(int M, float levelMult) {
    assign_probas.clear();
    cum_nneighbor_per_level.assign(1, 0);
    int nn = 0;
    for (int level = 0;; level++) {
        double proba = std::exp(-level / levelMult) * (1 - std::exp(-1 / levelMult));
        if (proba < 1e-9) {
            break;
        }
        assign_probas.push_back(proba);
        nn += level == 0 ? 2 * M : M;
        cum_nneighbor_per_level.push_back(nn);
    }
}

int HNSW::nb_neighbors(int layer_no) const {
    FAISSLIKE_THROW_IF_NOT_FMT(
            layer_no >= 0 && size_t(layer_no) + 1 < cum_nneighbor_per_level.size(),
            "HNSW: level %d out of range",
            layer_no);
    return cum_nneighbor_per_level[layer_no + 1] - cum_nneighbor_per_level[layer_no];
}

void HNSW::set_nb_neighbors(int level_no, int n) {
    FAISSLIKE_THROW_IF_NOT_MSG(levels.empty(), "HNSW::set_nb_neighbors: the graph must be empty");
    FAISSLIKE_THROW_IF_NOT_FMT(n > 0, "HNSW::set_nb_neighbors: n = %d must be > 0", n);
    int cur = nb_neighbors(level_no);
    for (size_t i = size_t(level_no) + 1; i < cum_nneighbor_per_level.size(); i++) {
        cum_nneighbor_per_level[i] += n - cur;
    }
}

int HNSW::random_level() {
    // Drawn as Faiss draws it (a float in [0, 1]), so that the same seed gives
    // the same levels as Faiss.
    double f = float(rng()) / float(std::mt19937::max());
    for (size_t level = 0; level < assign_probas.size(); level++) {
        if (f < assign_probas[level]) {
            return int(level);
        }
        f -= assign_probas[level];
    }
    return int(assign_probas.size()) - 1;
}

int HNSW::prepare_level_tab(size_t n, bool preset_levels) {
    size_t n0 = offsets.size() - 1;
    if (preset_levels) {
        FAISSLIKE_THROW_IF_NOT(levels.size() == n0 + n);
    } else {
        FAISSLIKE_THROW_IF_NOT(levels.size() == n0);
        for (size_t i = 0; i < n; i++) {
            levels.push_back(random_level() + 1);
        }
    }
    int top = 0;
    for (size_t i = 0; i < n; i++) {
        int pt_level = levels[n0 + i] - 1;
        FAISSLIKE_THROW_IF_NOT_FMT(
                pt_level >= 0 && size_t(pt_level) + 1 < cum_nneighbor_per_level.size(),
                "HNSW: node level %d out of range",
                pt_level + 1);
        top = std::max(top, pt_level);
        offsets.push_back(offsets.back() + size_t(cum_nneighbor_per_level[pt_level + 1]));
    }
    neighbors.resize(offsets.back(), -1);
    return top;
}

void HNSW::reset() {
    max_level = -1;
    entry_point = -1;
    offsets.assign(1, 0);
    levels.clear();
    neighbors.clear();
}

namespace {

/// (distance, node) with distances turned so that smaller is always closer:
/// similarities are negated once, when computed, and all graph code has a
/// single comparison.
struct Node {
    float d;
    storage_idx_t id;
};

inline bool nearer(const Node& a, const Node& b) {
    return a.d < b.d || (a.d == b.d && a.id < b.id);
}
/// Heap orders (function objects, so that the heap code inlines them):
/// results keep their farthest on top, candidates their nearest.
struct ResultsOrder {
    bool operator()(const Node& a, const Node& b) const { return nearer(a, b); }
};
struct CandidatesOrder {
    bool operator()(const Node& a, const Node& b) const { return nearer(b, a); }
};

inline void push_result(std::vector<Node>& h, Node n) {
    h.push_back(n);
    std::push_heap(h.begin(), h.end(), ResultsOrder());
}
inline void pop_result(std::vector<Node>& h) {
    std::pop_heap(h.begin(), h.end(), ResultsOrder());
    h.pop_back();
}
inline void push_candidate(std::vector<Node>& h, Node n) {
    h.push_back(n);
    std::push_heap(h.begin(), h.end(), CandidatesOrder());
}
inline void pop_candidate(std::vector<Node>& h) {
    std::pop_heap(h.begin(), h.end(), CandidatesOrder());
    h.pop_back();
}

/// A DistanceComputer seen through the "smaller is closer" convention.
struct KeyedDistance {
    DistanceComputer& dc;
    bool negate;

    float operator()(storage_idx_t i) const {
        float v = dc(i);
        return negate ? -v : v;
    }
    float symmetric(storage_idx_t i, storage_idx_t j) const {
        float v = dc.symmetric_dis(i, j);
        return negate ? -v : v;
    }
    void batch(size_t n, const storage_idx_t* ids, float* out) const {
        dc.distances_batch(n, ids, out);
        if (negate) {
            for (size_t j = 0; j < n; j++) {
                out[j] = -out[j];
            }
        }
    }
};

/// Undoes an add_vertices that does not complete: unless commit() is called,
/// its destructor puts back the entry point, the top level and the neighbour
/// lists (all levels) of the nodes that were in the graph before the add,
/// each saved just before the add first changes it. Only the lists touched
/// are copied, so the cost follows the size of the add, not of the graph.
/// A node is saved by the one thread that merges links into it; each thread
/// appends to its own journal (cache-line aligned: no false sharing). The new nodes
/// are the caller's to drop: the old lists then no longer name them.
class AddUndoLog {
   public:
    AddUndoLog(HNSW& hnsw, size_t n_old, size_t n_threads)
            : hnsw_(hnsw),
              entry_point_(hnsw.entry_point),
              max_level_(hnsw.max_level),
              saved_(n_old, 0),
              journals_(std::max<size_t>(n_threads, 1)) {}
    AddUndoLog(const AddUndoLog&) = delete;
    AddUndoLog& operator=(const AddUndoLog&) = delete;

    ~AddUndoLog() {
        if (!committed_) {
            restore();
        }
    }

    size_t n_threads() const { return journals_.size(); }

    /// Call before changing node's lists (only one thread per node).
    void save_before_change(storage_idx_t node, size_t thread) {
        if (size_t(node) >= saved_.size() || saved_[size_t(node)]) {
            return;
        }
        Journal& j = journals_[thread];
        auto first = hnsw_.neighbors.begin() + ptrdiff_t(hnsw_.offsets[size_t(node)]);
        auto last = hnsw_.neighbors.begin() + ptrdiff_t(hnsw_.offsets[size_t(node) + 1]);
        // Slots first: if recording the node then fails, the extra slots at
        // the end are never read, and the node is not marked saved.
        j.slots.insert(j.slots.end(), first, last);
        j.nodes.push_back(node);
        saved_[size_t(node)] = 1;
    }

    /// The add completed: keep its changes.
    void commit() { committed_ = true; }

   private:
    /// Single-threaded, once every thread of the add has stopped.
    void restore() noexcept {
        for (const Journal& j : journals_) {
            auto from = j.slots.begin();
            for (storage_idx_t node : j.nodes) {
                size_t begin = hnsw_.offsets[size_t(node)];
                size_t size = hnsw_.offsets[size_t(node) + 1] - begin;
                std::copy(from, from + ptrdiff_t(size), hnsw_.neighbors.begin() + ptrdiff_t(begin));
                from += ptrdiff_t(size);
            }
        }
        hnsw_.entry_point = entry_point_;
        hnsw_.max_level = max_level_;
    }

    struct alignas(64) Journal {
        std::vector<storage_idx_t> nodes;
        std::vector<storage_idx_t> slots; ///< the nodes' old slots, one after the other
    };
    HNSW& hnsw_;
    const storage_idx_t entry_point_;
    const int max_level_;
    std::vector<uint8_t> saved_;
    std::vector<Journal> journals_;
    bool committed_ = false;
};

/// The HNSW neighbour-selection heuristic: take the candidates from nearest
/// to farthest and keep one only if it is closer to the base node than to
/// every neighbour kept so far, so the kept links point in diverse directions.
/// `sorted` is nearest first (distances to the base node); keeps at most
/// max_size. With keep_max_size, rejected candidates fill the free slots.
void select_neighbors(
        const KeyedDistance& dis,
        const std::vector<Node>& sorted,
        size_t max_size,
        bool keep_max_size,
        std::vector<Node>& out) {
    out.clear();
    std::vector<Node> rejected;
    for (const Node& v1 : sorted) {
        bool good = true;
        for (const Node& v2 : out) {
            // v1 first: computers may cache the decoded first argument.
            if (dis.symmetric(v1.id, v2.id) < v1.d) {
                good = false;
                break;
            }
        }
        if (good) {
            out.push_back(v1);
            if (out.size() >= max_size) {
                return;
            }
        } else if (keep_max_size) {
            rejected.push_back(v1);
        }
    }
    for (size_t i = 0; i < rejected.size() && out.size() < max_size; i++) {
        out.push_back(rejected[i]);
    }
}

/// A link that a batch's new node `source` makes to `target` on a level: the
/// merge phase adds source to target's list there. Keyed for sorting by
/// target, then by its position in the batch's links (one position per slot
/// of the batch nodes' lists, in batch order: it does not depend on the
/// threads). Slots that no link filled have source -1.
struct ReverseLink {
    uint64_t key; ///< target << 32 | position
    storage_idx_t source;
    int level;
    storage_idx_t target() const { return storage_idx_t(key >> 32); }
    bool operator<(const ReverseLink& o) const { return key < o.key; }
};

/// Per-thread state of graph construction.
struct Builder {
    HNSW& hnsw;
    KeyedDistance dis;
    VisitedTable& vt;
    bool keep_max_size_level0;
    std::vector<Node> results, candidates, sorted, selected, chosen;
    std::vector<storage_idx_t> ids;
    std::vector<float> dists;
    std::vector<ReverseLink> by_level; ///< one target's links, by level
    /// Where the node being inserted records its links (one entry per slot
    /// of its lists, in the same order), and the position of the first.
    ReverseLink* links = nullptr;
    size_t links_position = 0;

    Builder(HNSW& hnsw, KeyedDistance dis, VisitedTable& vt, bool keep0)
            : hnsw(hnsw), dis(dis), vt(vt), keep_max_size_level0(keep0) {
        size_t max_degree = size_t(hnsw.nb_neighbors(0));
        ids.resize(max_degree);
        dists.resize(max_degree);
    }

    /// Unvisited neighbours of node v on a level, into ids; returns the count.
    size_t unvisited_neighbors(storage_idx_t v, int level) {
        size_t begin, end;
        hnsw.neighbor_range(v, level, &begin, &end);
        const storage_idx_t* nb = hnsw.neighbors.data();
        size_t n = 0;
        for (size_t j = begin; j < end && nb[j] >= 0; j++) {
            if (vt.set(size_t(nb[j]))) {
                ids[n++] = nb[j];
            }
        }
        return n;
    }

    void greedy(int level, storage_idx_t& nearest, float& d_nearest) {
        for (;;) {
            storage_idx_t prev = nearest;
            size_t begin, end;
            hnsw.neighbor_range(nearest, level, &begin, &end);
            size_t n = 0;
            for (size_t j = begin; j < end && hnsw.neighbors[j] >= 0; j++) {
                ids[n++] = hnsw.neighbors[j];
            }
            dis.batch(n, ids.data(), dists.data());
            for (size_t j = 0; j < n; j++) {
                if (dists[j] < d_nearest) {
                    nearest = ids[j];
                    d_nearest = dists[j];
                }
            }
            if (nearest == prev) {
                return;
            }
        }
    }

    /// efConstruction nearest nodes on a level from an entry, into `results`
    /// (a heap with the farthest on top).
    void search_level(storage_idx_t pt, int level, storage_idx_t entry, float d_entry) {
        size_t ef = size_t(hnsw.efConstruction);
        results.clear();
        candidates.clear();
        vt.advance();
        vt.set(size_t(entry));
        vt.set(size_t(pt));
        push_result(results, {d_entry, entry});
        push_candidate(candidates, {d_entry, entry});
        while (!candidates.empty()) {
            Node c = candidates.front();
            if (c.d > results.front().d) {
                break;
            }
            pop_candidate(candidates);
            size_t n = unvisited_neighbors(c.id, level);
            dis.batch(n, ids.data(), dists.data());
            for (size_t j = 0; j < n; j++) {
                float d = dists[j];
                if (results.size() < ef || d < results.front().d) {
                    push_candidate(candidates, {d, ids[j]});
                    push_result(results, {d, ids[j]});
                    if (results.size() > ef) {
                        pop_result(results);
                    }
                }
            }
        }
    }

    /// Finds pt's neighbours on one level of the graph as it was when the
    /// batch started, writes pt's own list there and records the reverse
    /// links. Returns (in entry, d_entry) the nearest node found, the start of
    /// the next level down.
    void link_on_level(storage_idx_t pt, int level, storage_idx_t& entry, float& d_entry) {
        search_level(pt, level, entry, d_entry);
        sorted.assign(results.begin(), results.end());
        std::sort(sorted.begin(), sorted.end(), ResultsOrder());
        entry = sorted.front().id;
        d_entry = sorted.front().d;
        size_t max_size = size_t(hnsw.nb_neighbors(level));
        if (sorted.size() < max_size) {
            // As Faiss: candidates that all fit are all kept (on level 0,
            // efConstruction 40 < 2M = 64 keeps every one), where hnswlib
            // prunes them with the heuristic.
            chosen.assign(sorted.begin(), sorted.end());
        } else {
            select_neighbors(dis, sorted, max_size, keep_max_size_level0 && level == 0, chosen);
        }
        size_t begin, end;
        hnsw.neighbor_range(pt, level, &begin, &end);
        size_t i = begin;
        size_t slot = begin - hnsw.offsets[size_t(pt)];
        for (const Node& c : chosen) {
            hnsw.neighbors[i++] = c.id;
            links[slot] = {uint64_t(c.id) << 32 | uint64_t(links_position + slot), pt, level};
            slot++;
        }
    }

    /// Inserts pt (its query already set) into the graph as it was when the
    /// batch started: no list but pt's own is written. Its links go to
    /// `out`, one entry per slot of pt's lists (unused ones get source -1),
    /// the first at position `position` of the batch's links.
    void insert(storage_idx_t pt, storage_idx_t entry_point, int max_level, ReverseLink* out, size_t position) {
        links = out;
        links_position = position;
        size_t n_slots = hnsw.offsets[size_t(pt) + 1] - hnsw.offsets[size_t(pt)];
        std::fill(out, out + n_slots, ReverseLink{0, -1, 0});
        int pt_level = hnsw.levels[size_t(pt)] - 1;
        storage_idx_t entry = entry_point;
        float d_entry = dis(entry);
        int level = max_level;
        for (; level > pt_level; level--) {
            greedy(level, entry, d_entry);
        }
        for (; level >= 0; level--) {
            link_on_level(pt, level, entry, d_entry);
        }
    }

    /// Adds the sources of links [first, last) (all to target on `level`) to
    /// target's list there. When they do not all fit, the heuristic chooses
    /// among the old links and the new ones, pruning below the maximum
    /// (prune_headroom) so that later links find room without pruning again.
    void merge_links(storage_idx_t target, int level, const ReverseLink* first, const ReverseLink* last) {
        size_t begin, end;
        hnsw.neighbor_range(target, level, &begin, &end);
        storage_idx_t* nb = hnsw.neighbors.data();
        size_t used = begin;
        while (used < end && nb[used] >= 0) {
            used++;
        }
        if (used + size_t(last - first) <= end) {
            for (const ReverseLink* l = first; l != last; l++) {
                nb[used++] = l->source;
            }
            return;
        }
        sorted.clear();
        for (size_t i = begin; i < used; i++) {
            sorted.push_back({dis.symmetric(target, nb[i]), nb[i]});
        }
        for (const ReverseLink* l = first; l != last; l++) {
            sorted.push_back({dis.symmetric(target, l->source), l->source});
        }
        std::sort(sorted.begin(), sorted.end(), ResultsOrder());
        size_t max_size = end - begin;
        size_t pruned = max_size - size_t(float(max_size) * std::clamp(hnsw.prune_headroom, 0.0f, 0.5f));
        select_neighbors(dis, sorted, std::max<size_t>(pruned, 1), keep_max_size_level0 && level == 0, selected);
        size_t i = begin;
        for (const Node& c : selected) {
            nb[i++] = c.id;
        }
        std::fill(nb + i, nb + end, -1);
    }

    /// Merges the links [first, last) of one target, level by level (in
    /// their batch order within a level).
    void merge_target(const ReverseLink* first, const ReverseLink* last) {
        const ReverseLink* same_level = first;
        while (same_level != last && same_level->level == first->level) {
            same_level++;
        }
        if (same_level == last) { // the usual case: one level
            merge_links(first->target(), first->level, first, last);
            return;
        }
        by_level.assign(first, last);
        std::stable_sort(by_level.begin(), by_level.end(),
                         [](const ReverseLink& a, const ReverseLink& b) { return a.level < b.level; });
        for (size_t i = 0; i < by_level.size();) {
            size_t j = i;
            while (j < by_level.size() && by_level[j].level == by_level[i].level) {
                j++;
            }
            merge_links(by_level[i].target(), by_level[i].level, by_level.data() + i, by_level.data() + j);
            i = j;
        }
    }
};

/// Sorts the links with every thread: one sorted chunk per thread, then
/// merges.
void parallel_sort(std::vector<ReverseLink>& keys) {
    size_t n_chunks = std::min<size_t>(size_t(omp_get_max_threads()), std::max<size_t>(1, keys.size() / 65536));
    std::vector<size_t> bounds(n_chunks + 1);
    for (size_t c = 0; c <= n_chunks; c++) {
        bounds[c] = keys.size() * c / n_chunks;
    }
#pragma omp parallel for if (n_chunks > 1)
    for (size_t c = 0; c < n_chunks; c++) {
        std::sort(keys.begin() + ptrdiff_t(bounds[c]), keys.begin() + ptrdiff_t(bounds[c + 1]));
    }
    for (size_t width = 1; width < n_chunks; width *= 2) {
        for (size_t c = 0; c + width < n_chunks; c += 2 * width) {
            size_t mid = bounds[c + width], last = bounds[std::min(c + 2 * width, n_chunks)];
            std::inplace_merge(keys.begin() + ptrdiff_t(bounds[c]), keys.begin() + ptrdiff_t(mid),
                               keys.begin() + ptrdiff_t(last));
        }
    }
}

/// Largest batch, as a fraction of the nodes in the graph after the add: the
/// nodes of a batch do not see one another, so a batch stays small next to
/// the graph (ParlayANN's rule).
constexpr double kMaxBatchFraction = 0.02;

} // namespace

void HNSW::add_vertices(
        size_t n0,
        size_t n,
        const float* x,
        size_t d,
        const DistanceComputerFactory& make_dc,
        bool is_similarity,
        bool keep_max_size_level0,
        bool verbose) {
    if (n == 0) {
        return;
    }
    size_t ntotal = n0 + n;
    FAISSLIKE_THROW_IF_NOT_MSG(levels.size() == ntotal && offsets.size() == ntotal + 1,
                               "HNSW::add_vertices: call prepare_level_tab first");
    FAISSLIKE_THROW_IF_NOT_FMT(ntotal <= size_t(INT32_MAX),
                               "HNSW: %zu nodes exceed the int32 node numbers", ntotal);
    auto t0 = std::chrono::steady_clock::now();

    // Bucket the new nodes by level, then shuffle each bucket with a fixed
    // seed: inserting in dataset order (often sorted or clustered) gives a
    // worse graph.
    int top = 0;
    for (size_t i = n0; i < ntotal; i++) {
        top = std::max(top, levels[i] - 1);
    }
    std::vector<size_t> bucket_start(size_t(top) + 2, 0);
    for (size_t i = n0; i < ntotal; i++) {
        bucket_start[size_t(levels[i])]++;
    }
    for (size_t l = 1; l < bucket_start.size(); l++) {
        bucket_start[l] += bucket_start[l - 1];
    }
    std::vector<storage_idx_t> order(n);
    {
        std::vector<size_t> fill(bucket_start.begin(), bucket_start.end() - 1);
        for (size_t i = n0; i < ntotal; i++) {
            order[fill[size_t(levels[i] - 1)]++] = storage_idx_t(i);
        }
    }
    std::mt19937 shuffle_rng(789);
    for (int level = top; level >= 0; level--) {
        size_t i0 = bucket_start[size_t(level)], i1 = bucket_start[size_t(level) + 1];
        for (size_t j = i0; j < i1; j++) {
            size_t pick = j + size_t(shuffle_rng() % (i1 - j));
            std::swap(order[j], order[pick]);
        }
    }

    // Batches (ParlayANN's deterministic build, as Faiss builds since 1.15):
    // the nodes of a batch search the graph as it was when the batch started
    // and write only their own lists, in parallel and without locks; then
    // the reverse links are sorted by target and each target's list takes
    // all of its new links at once, one target per thread. The graph is
    // therefore the same whatever the number of threads. Within a level's
    // bucket the batches double from one node (prefix doubling), up to
    // kMaxBatchFraction of the graph.
    AddUndoLog undo(*this, n0, size_t(omp_get_max_threads()));
    if (verbose) {
        std::printf("HNSW: adding %zu nodes to %zu, levels up to %d\n", n, n0, top);
    }
    size_t max_batch = std::max<size_t>(1, size_t(kMaxBatchFraction * double(ntotal)));
    size_t n_threads = size_t(omp_get_max_threads());
    std::vector<std::unique_ptr<DistanceComputer>> dcs(n_threads);
    std::vector<std::unique_ptr<VisitedTable>> vts(n_threads);
    std::vector<std::unique_ptr<Builder>> builders(n_threads);
    std::vector<ReverseLink> links;
    std::vector<size_t> link_start, group_start;
    // An insertion walks the graph as a search of efConstruction does (see
    // IndexHNSW's query_flops), then prunes lists.
    size_t flops_per_node = size_t(efConstruction) * size_t(nb_neighbors(0)) * (d + 80);

    // One poll per thread for the whole add: batches start small, and a poll
    // made per batch would never reach its period.
    std::vector<InterruptPoll> polls(n_threads, InterruptPoll(flops_per_node));
    ParallelExceptions errors;
    auto run_parallel = [&](size_t count, const std::function<void(Builder&, size_t)>& body) {
#pragma omp parallel if (count > 1)
        {
            size_t t = size_t(omp_get_thread_num());
            errors.run([&] {
                if (!builders[t]) {
                    dcs[t].reset(make_dc());
                    vts[t] = std::make_unique<VisitedTable>(ntotal);
                    builders[t] = std::make_unique<Builder>(*this, KeyedDistance{*dcs[t], is_similarity}, *vts[t],
                                                            keep_max_size_level0);
                }
            });
#pragma omp for schedule(dynamic, 16)
            for (size_t i = 0; i < count; i++) {
                if (builders[t]) {
                    errors.run([&] {
                        polls[t].tick();
                        body(*builders[t], i);
                    });
                }
            }
        }
        errors.rethrow_if_failed();
    };

    for (int level = top; level >= 0; level--) {
        size_t i0 = bucket_start[size_t(level)], i1 = bucket_start[size_t(level) + 1];
        if (i0 == i1) {
            continue;
        }
        if (verbose) {
            std::printf("  level %d: %zu nodes\n", level, i1 - i0);
        }
        if (entry_point < 0) {
            // The first node of an empty graph has nothing to link to.
            entry_point = order[i0];
            max_level = level;
            i0++;
        }
        for (size_t b0 = i0, done = 0; b0 < i1;) {
            size_t size = std::min({done == 0 ? size_t(1) : done, max_batch, i1 - b0});
            const storage_idx_t* batch = order.data() + b0;
            storage_idx_t batch_entry = entry_point;
            int batch_top = max_level;
            // Each node's links go to its own range of `links` (one entry
            // per slot of its lists), so their order does not depend on the
            // threads.
            link_start.assign(1, 0);
            for (size_t i = 0; i < size; i++) {
                size_t pt = size_t(batch[i]);
                link_start.push_back(link_start.back() + offsets[pt + 1] - offsets[pt]);
            }
            links.resize(link_start.back());
            FAISSLIKE_THROW_IF_NOT_MSG(links.size() <= size_t(UINT32_MAX), "HNSW: batch too large");
            run_parallel(size, [&](Builder& b, size_t i) {
                storage_idx_t pt = batch[i];
                b.dis.dc.set_query(x + size_t(pt - storage_idx_t(n0)) * d);
                b.insert(pt, batch_entry, batch_top, links.data() + link_start[i], link_start[i]);
            });
            // Group the links by target: drop the unused slots, sort by key.
            links.erase(std::remove_if(links.begin(), links.end(), [](const ReverseLink& l) { return l.source < 0; }),
                        links.end());
            parallel_sort(links);
            group_start.clear();
            for (size_t j = 0; j < links.size(); j++) {
                if (j == 0 || links[j].target() != links[j - 1].target()) {
                    group_start.push_back(j);
                }
            }
            group_start.push_back(links.size());
            // One target (all its levels) per task: its undo record and its
            // lists are then written by one thread only.
            run_parallel(group_start.size() - 1, [&](Builder& b, size_t g) {
                const ReverseLink* first = links.data() + group_start[g];
                undo.save_before_change(first->target(), size_t(omp_get_thread_num()));
                b.merge_target(first, links.data() + group_start[g + 1]);
            });
            if (level > max_level) {
                // The bucket's first node is linked now: it can be the entry
                // point of the next batches (promoting it before it had links
                // would cut them off from the graph below).
                entry_point = batch[0];
                max_level = level;
            }
            b0 += size;
            done += size;
            if (verbose && (b0 == i1 || done % 10000 < size)) {
                std::printf("  %zu / %zu\r", b0 - bucket_start[size_t(level)], i1 - bucket_start[size_t(level)]);
                std::fflush(stdout);
            }
        }
    }
    undo.commit();
    if (verbose) {
        double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        std::printf("HNSW: added %zu nodes in %.2f s\n", n, s);
    }
}

void HNSW::truncate(size_t n0) {
    levels.resize(std::min(levels.size(), n0));
    offsets.resize(levels.size() + 1);
    neighbors.resize(offsets.back());
    for (size_t i = 0; i < levels.size(); i++) {
        for (int level = 0; level < levels[i]; level++) {
            size_t begin, end;
            neighbor_range(idx_t(i), level, &begin, &end);
            size_t out = begin;
            for (size_t j = begin; j < end; j++) {
                storage_idx_t u = neighbors[j];
                if (u >= 0 && size_t(u) < n0) {
                    neighbors[out++] = u;
                }
            }
            std::fill(neighbors.begin() + ptrdiff_t(out), neighbors.begin() + ptrdiff_t(end), -1);
        }
    }
}

namespace {

/// Reusable per-thread buffers of a search, so queries do not allocate.
struct SearchBuffers {
    std::vector<Node> candidates, results;
    std::vector<Node> best; ///< the k best seen, when efSearch < k
    std::vector<Node> entries; ///< where the level-0 walk starts
    std::vector<storage_idx_t> ids;
    std::vector<float> dists;
};

SearchBuffers& search_buffers() {
    thread_local SearchBuffers buffers;
    return buffers;
}

struct WalkSettings {
    size_t ef;
    bool check_relative_distance;
    size_t upper_beam;
};

WalkSettings walk_settings(const HNSW& hnsw, const SearchParameters* params) {
    WalkSettings s{size_t(std::max(hnsw.efSearch, 1)), hnsw.check_relative_distance,
                   size_t(std::max(hnsw.upper_beam, 1))};
    if (auto p = dynamic_cast<const SearchParametersHNSW*>(params)) {
        FAISSLIKE_THROW_IF_NOT_FMT(p->efSearch > 0, "SearchParametersHNSW: efSearch = %d must be > 0",
                                   p->efSearch);
        FAISSLIKE_THROW_IF_NOT_FMT(p->upper_beam >= 0, "SearchParametersHNSW: upper_beam = %d must be >= 0",
                                   p->upper_beam);
        s.ef = size_t(p->efSearch);
        s.check_relative_distance = p->check_relative_distance;
        if (p->upper_beam > 0) {
            s.upper_beam = size_t(p->upper_beam);
        }
    }
    return s;
}

/// Descent from the entry point: greedy down to level 2, then on level 1 a
/// best-first search that keeps `beam` nodes (greedy too when beam is 1, as
/// in Faiss). The nodes kept, nearest first, go to buf.entries: the starting
/// points of the level-0 walk.
void descend(const HNSW& hnsw, const KeyedDistance& dis, SearchBuffers& buf, VisitedTable& vt, size_t beam) {
    storage_idx_t nearest = hnsw.entry_point;
    float d_nearest = dis(nearest);
    int greedy_until = beam > 1 ? 2 : 1;
    for (int level = hnsw.max_level; level >= greedy_until; level--) {
        for (;;) {
            storage_idx_t prev = nearest;
            size_t begin, end;
            hnsw.neighbor_range(nearest, level, &begin, &end);
            size_t n = 0;
            for (size_t j = begin; j < end && hnsw.neighbors[j] >= 0; j++) {
                buf.ids[n++] = hnsw.neighbors[j];
            }
            dis.batch(n, buf.ids.data(), buf.dists.data());
            for (size_t j = 0; j < n; j++) {
                if (buf.dists[j] < d_nearest) {
                    nearest = buf.ids[j];
                    d_nearest = buf.dists[j];
                }
            }
            if (nearest == prev) {
                break;
            }
        }
    }
    auto& entries = buf.entries;
    entries.assign(1, {d_nearest, nearest});
    if (beam <= 1 || hnsw.max_level < 1) {
        return;
    }
    auto& cand = buf.candidates;
    cand.assign(1, {d_nearest, nearest});
    vt.advance();
    vt.set(size_t(nearest));
    while (!cand.empty()) {
        Node c = cand.front();
        if (entries.size() >= beam && c.d > entries.front().d) {
            break;
        }
        pop_candidate(cand);
        size_t begin, end;
        hnsw.neighbor_range(c.id, 1, &begin, &end);
        size_t n = 0;
        for (size_t j = begin; j < end && hnsw.neighbors[j] >= 0; j++) {
            if (vt.set(size_t(hnsw.neighbors[j]))) {
                buf.ids[n++] = hnsw.neighbors[j];
            }
        }
        dis.batch(n, buf.ids.data(), buf.dists.data());
        for (size_t j = 0; j < n; j++) {
            Node u{buf.dists[j], buf.ids[j]};
            if (entries.size() < beam || u.d < entries.front().d) {
                push_candidate(cand, u);
                push_result(entries, u);
                if (entries.size() > beam) {
                    pop_result(entries);
                }
            }
        }
    }
    std::sort(entries.begin(), entries.end(), ResultsOrder());
}

/// Best-first walk of level 0. Results hold reportable nodes only (the ef
/// best); candidates hold every node worth expanding: while results are not
/// full that is every node seen. `in_radius` (for range search) marks nodes
/// that must be expanded whatever the results say; `on_node` sees every
/// reportable node whose distance was computed.
template <bool filtered, class InRadius, class OnNode>
void walk_level0(const HNSW& hnsw, const KeyedDistance& dis, VisitedTable& vt, SearchBuffers& buf,
                 const WalkSettings& s,
                 const IDSelector* reportable, InRadius in_radius, OnNode on_node) {
    auto& cand = buf.candidates;
    auto& res = buf.results;
    cand.clear();
    res.clear();
    size_t ef = s.ef;
    const storage_idx_t* nb = hnsw.neighbors.data();
    const size_t* offsets = hnsw.offsets.data();
    size_t degree = size_t(hnsw.cum_nneighbor_per_level[1]);

    auto offer = [&](storage_idx_t id, float d) {
        bool report = !filtered || reportable->is_member(id);
        if (report) {
            on_node(id, d);
        }
        if (res.size() < ef || d < res.front().d || in_radius(d)) {
            push_candidate(cand, {d, id});
            __builtin_prefetch(offsets + id);
            if (report && (res.size() < ef || d < res.front().d)) {
                push_result(res, {d, id});
                if (res.size() > ef) {
                    pop_result(res);
                }
            }
        }
    };

    vt.advance();
    for (const Node& e : buf.entries) {
        vt.set(size_t(e.id));
        offer(e.id, e.d);
    }
    while (!cand.empty()) {
        Node c = cand.front();
        if (s.check_relative_distance && res.size() >= ef && c.d > res.front().d && !in_radius(c.d)) {
            break;
        }
        pop_candidate(cand);
        if (!cand.empty()) {
            __builtin_prefetch(nb + offsets[cand.front().id]);
        }
        const storage_idx_t* list = nb + offsets[c.id];
        for (size_t j = 0; j < degree && list[j] >= 0; j++) {
            vt.prefetch(size_t(list[j]));
        }
        size_t n = 0;
        for (size_t j = 0; j < degree; j++) {
            storage_idx_t u = list[j];
            if (u < 0) {
                break;
            }
            if (vt.set(size_t(u))) {
                buf.ids[n++] = u;
            }
        }
        dis.batch(n, buf.ids.data(), buf.dists.data());
        for (size_t j = 0; j < n; j++) {
            offer(buf.ids[j], buf.dists[j]);
        }
    }
}

void prepare_buffers(const HNSW& hnsw, SearchBuffers& buf) {
    size_t max_degree = size_t(hnsw.nb_neighbors(0));
    for (size_t l = 1; l + 1 < hnsw.cum_nneighbor_per_level.size(); l++) {
        max_degree = std::max(max_degree, size_t(hnsw.nb_neighbors(int(l))));
    }
    if (buf.ids.size() < max_degree) {
        buf.ids.resize(max_degree);
        buf.dists.resize(max_degree);
    }
}

} // namespace

size_t HNSW::search(
        DistanceComputer& qdis,
        bool is_similarity,
        size_t k,
        float* distances,
        storage_idx_t* nodes,
        VisitedTable& vt,
        const SearchParameters* params,
        const IDSelector* reportable) const {
    if (entry_point < 0 || k == 0) {
        return 0;
    }
    WalkSettings s = walk_settings(*this, params);
    KeyedDistance dis{qdis, is_similarity};
    SearchBuffers& buf = search_buffers();
    prepare_buffers(*this, buf);
    descend(*this, dis, buf, vt, s.upper_beam);
    auto no_radius = [](float) { return false; };
    // efSearch < k (as in Faiss): the walk keeps its beam of efSearch nodes,
    // and the k results are the best of every node it computed.
    bool beam_below_k = s.ef < k;
    auto& best = buf.best;
    best.clear();
    auto keep_best = [&](storage_idx_t id, float d) {
        if (best.size() < k || nearer({d, id}, best.front())) {
            push_result(best, {d, id});
            if (best.size() > k) {
                pop_result(best);
            }
        }
    };
    auto ignore = [](storage_idx_t, float) {};
    // The choice is made once here, not per node in the walk.
    if (reportable && beam_below_k) {
        walk_level0<true>(*this, dis, vt, buf, s, reportable, no_radius, keep_best);
    } else if (reportable) {
        walk_level0<true>(*this, dis, vt, buf, s, reportable, no_radius, ignore);
    } else if (beam_below_k) {
        walk_level0<false>(*this, dis, vt, buf, s, nullptr, no_radius, keep_best);
    } else {
        walk_level0<false>(*this, dis, vt, buf, s, nullptr, no_radius, ignore);
    }
    auto& res = beam_below_k ? best : buf.results;
    std::sort(res.begin(), res.end(), ResultsOrder());
    size_t found = std::min(k, res.size());
    for (size_t i = 0; i < found; i++) {
        distances[i] = is_similarity ? -res[i].d : res[i].d;
        nodes[i] = res[i].id;
    }
    return found;
}

void HNSW::range_search(
        DistanceComputer& qdis,
        bool is_similarity,
        float radius,
        std::vector<std::pair<float, storage_idx_t>>& hits,
        VisitedTable& vt,
        const SearchParameters* params,
        const IDSelector* reportable) const {
    hits.clear();
    if (entry_point < 0) {
        return;
    }
    WalkSettings s = walk_settings(*this, params);
    KeyedDistance dis{qdis, is_similarity};
    SearchBuffers& buf = search_buffers();
    prepare_buffers(*this, buf);
    descend(*this, dis, buf, vt, s.upper_beam);
    float key_radius = is_similarity ? -radius : radius;
    auto in_radius = [key_radius](float d) { return d < key_radius; };
    auto collect = [&](storage_idx_t id, float d) {
        if (d < key_radius) {
            hits.emplace_back(is_similarity ? -d : d, id);
        }
    };
    if (reportable) {
        walk_level0<true>(*this, dis, vt, buf, s, reportable, in_radius, collect);
    } else {
        walk_level0<false>(*this, dis, vt, buf, s, nullptr, in_radius, collect);
    }
}

void HNSW::remove_nodes(
        const std::vector<bool>& removed,
        const DistanceComputerFactory& make_dc,
        bool is_similarity,
        bool keep_max_size_level0,
        const std::function<void()>& before_commit) {
    size_t ntotal = levels.size();
    FAISSLIKE_THROW_IF_NOT_MSG(removed.size() == ntotal, "HNSW::remove_nodes: one flag per node expected");
    std::vector<storage_idx_t> new_id(ntotal, -1);
    size_t nlive = 0;
    for (size_t i = 0; i < ntotal; i++) {
        if (!removed[i]) {
            new_id[i] = storage_idx_t(nlive++);
        }
    }
    std::vector<int> new_levels;
    new_levels.reserve(nlive);
    std::vector<size_t> new_offsets(1, 0);
    new_offsets.reserve(nlive + 1);
    std::vector<storage_idx_t> old_of_new;
    old_of_new.reserve(nlive);
    for (size_t i = 0; i < ntotal; i++) {
        if (!removed[i]) {
            new_levels.push_back(levels[i]);
            new_offsets.push_back(new_offsets.back() + size_t(cum_nneighbor_per_level[size_t(levels[i])]));
            old_of_new.push_back(storage_idx_t(i));
        }
    }
    std::vector<storage_idx_t> new_neighbors(new_offsets.back(), -1);

    ParallelExceptions errors;
#pragma omp parallel
    {
        std::unique_ptr<DistanceComputer> dc;
        std::unique_ptr<VisitedTable> seen;
        errors.run([&] {
            dc.reset(make_dc());
            seen = std::make_unique<VisitedTable>(ntotal);
        });
        std::vector<Node> sorted, selected;
        std::vector<storage_idx_t> frontier;
#pragma omp for schedule(dynamic, 256)
        for (size_t ni = 0; ni < nlive; ni++) {
            if (!dc) {
                continue;
            }
            errors.run([&] {
                KeyedDistance dis{*dc, is_similarity};
                storage_idx_t v = old_of_new[ni];
                for (int level = 0; level < levels[size_t(v)]; level++) {
                    size_t begin, end;
                    neighbor_range(v, level, &begin, &end);
                    size_t out = new_offsets[ni] + size_t(cum_nneighbor_per_level[size_t(level)]);
                    size_t max_size = end - begin;
                    // Live neighbours are kept; removed ones are replaced by the
                    // live nodes reached through them (through chains of removed
                    // nodes too), up to a few times the list size.
                    sorted.clear();
                    frontier.clear();
                    seen->advance();
                    seen->set(size_t(v));
                    for (size_t j = begin; j < end && neighbors[j] >= 0; j++) {
                        storage_idx_t u = neighbors[j];
                        seen->set(size_t(u));
                        if (removed[size_t(u)]) {
                            frontier.push_back(u);
                        } else {
                            sorted.push_back({0, u});
                        }
                    }
                    if (!frontier.empty()) {
                        size_t cap = 4 * max_size;
                        for (size_t f = 0; f < frontier.size() && sorted.size() < cap; f++) {
                            size_t rb, re;
                            neighbor_range(frontier[f], level, &rb, &re);
                            for (size_t j = rb; j < re && neighbors[j] >= 0; j++) {
                                storage_idx_t u = neighbors[j];
                                if (!seen->set(size_t(u))) {
                                    continue;
                                }
                                if (removed[size_t(u)]) {
                                    frontier.push_back(u);
                                } else {
                                    sorted.push_back({0, u});
                                }
                            }
                        }
                        for (Node& c : sorted) {
                            c.d = dis.symmetric(v, c.id);
                        }
                        std::sort(sorted.begin(), sorted.end(), ResultsOrder());
                        select_neighbors(dis, sorted, max_size, keep_max_size_level0 && level == 0,
                                         selected);
                        sorted.swap(selected);
                    }
                    for (const Node& c : sorted) {
                        new_neighbors[out++] = new_id[size_t(c.id)];
                    }
                }
            });
        }
    }
    errors.rethrow_if_failed();

    storage_idx_t new_entry = -1;
    int new_max_level = -1;
    if (entry_point >= 0 && !removed[size_t(entry_point)]) {
        new_entry = new_id[size_t(entry_point)];
        new_max_level = max_level;
    } else {
        for (size_t ni = 0; ni < nlive; ni++) {
            if (new_levels[ni] - 1 > new_max_level) {
                new_max_level = new_levels[ni] - 1;
                new_entry = storage_idx_t(ni);
            }
        }
    }
    before_commit();
    levels.swap(new_levels);
    offsets.swap(new_offsets);
    neighbors.swap(new_neighbors);
    entry_point = new_entry;
    max_level = new_max_level;
}

} // namespace faisslike
