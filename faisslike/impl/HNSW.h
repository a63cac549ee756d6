#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <random>
#include <vector>

#include <faisslike/Index.h>

namespace faisslike {

struct DistanceComputer;
struct IDSelector;
struct VisitedTable;

/// Per-call settings of an HNSW search (Faiss's SearchParametersHNSW); they
/// replace the index's own hnsw.efSearch / check_relative_distance for that
/// call (see HNSW for their meaning). bounded_queue is accepted for Faiss
/// compatibility and changes nothing (see HNSW::search_bounded_queue).
struct SearchParametersHNSW : SearchParameters {
    int efSearch = 16;
    bool check_relative_distance = true;
    bool bounded_queue = true;
    /// faisslike only: replaces hnsw.upper_beam when > 0 (0: the index's).
    int upper_beam = 0;

    SearchParameters* clone() const override { return new SearchParametersHNSW(*this); }
};

/// The hierarchical navigable small-world graph (Faiss's HNSW): node i lives
/// on levels 0 .. levels[i] - 1, with at most 2M neighbours on level 0 and M
/// on each level above. A search descends greedily from the entry point
/// through the upper levels (optionally keeping upper_beam nodes on level 1),
/// then explores level 0 best-first, keeping the efSearch closest nodes seen.
///
/// The fields are Faiss's, with the same meaning and layout, so that an index
/// file maps onto them directly. Nodes are storage rows (int32 numbers).
struct HNSW {
    using storage_idx_t = int32_t;

    /// assign_probas[l]: probability that a new node's top level is l, from
    /// set_default_probas (exp(-l / mL) * (1 - exp(-1 / mL)), mL = 1 / ln M).
    std::vector<double> assign_probas;

    /// Prefix sums of the neighbour slots per level: 0, 2M, 3M, 4M, ...
    std::vector<int> cum_nneighbor_per_level;

    /// Per node: its top level + 1 (so at least 1).
    std::vector<int> levels;

    /// ntotal + 1 entries: node i's slots are neighbors[offsets[i], offsets[i + 1]).
    std::vector<size_t> offsets;

    /// All neighbour lists; the slots of node i on level l are
    /// offsets[i] + cum_nneighbor_per_level[l] .. offsets[i] + cum_nneighbor_per_level[l + 1].
    /// Unused slots hold -1, always after the used ones.
    std::vector<storage_idx_t> neighbors;

    /// A node of the highest level, -1 when the graph is empty.
    storage_idx_t entry_point = -1;
    /// Highest level of any node, -1 when the graph is empty.
    int max_level = -1;

    /// Size of the candidate list when linking a new node.
    int efConstruction = 40;
    /// Size of the candidate list (beam) of a search. Below k, as in Faiss,
    /// the beam stays this small and the k results are the best of every node
    /// the search computed: cheaper, lower recall.
    int efSearch = 16;

    /// faisslike only: how many nodes a search keeps on level 1 before it
    /// goes down to level 0, where they all become its starting points. 1 (the
    /// default) is Faiss's greedy descent, so a graph gives Faiss's results.
    /// On clustered data the greedy descent sometimes ends in a cluster next
    /// to the query's, and no efSearch brings the walk back: recall stops
    /// below 1 however large efSearch is. A beam of 4 costs a few dozen
    /// distances per query and removes most of those misses (1M x 128
    /// clustered, HNSW32: 10-recall@10 at efSearch 16 goes from 0.94 to
    /// 0.97). Not stored in index files.
    int upper_beam = 1;

    /// Stop a search once its closest unexplored candidate is farther than the
    /// efSearch-th best node found (false: explore every candidate that ever
    /// entered the best list, a slower and slightly more thorough search).
    bool check_relative_distance = true;
    /// Accepted for compatibility with Faiss. The candidate queue only ever
    /// holds nodes that entered the efSearch best, so it gives the results of
    /// Faiss's bounded queue whatever this flag says.
    bool search_bounded_queue = true;

    /// When a node's list overflows while linking, the heuristic prunes it to
    /// this fraction below its maximum (clamped to [0, 0.5]), leaving room for
    /// the next links: fewer prunings, a faster build and, measured, a better
    /// graph. As in Faiss (0.2); not stored in index files.
    float prune_headroom = 0.2f;

    /// Draws the levels of new nodes (seeded 12345 as in Faiss): the same
    /// insertion order gives the same graph when built with one thread.
    std::mt19937 rng;

    explicit HNSW(int M = 32);

    /// Fills assign_probas and cum_nneighbor_per_level for M neighbours per
    /// upper level (2M on level 0), levels up to where the probability < 1e-9.
    void set_default_probas(int M, float levelMult);

    /// Maximum number of neighbours on a level.
    int nb_neighbors(int layer_no) const;
    int cum_nb_neighbors(int layer_no) const { return cum_nneighbor_per_level[layer_no]; }
    /// Changes the neighbour count of one level; only while the graph is empty.
    void set_nb_neighbors(int level_no, int n);

    /// Range of node no's slots on one level in `neighbors`.
    void neighbor_range(idx_t no, int layer_no, size_t* begin, size_t* end) const {
        size_t o = offsets[no];
        *begin = o + cum_nneighbor_per_level[layer_no];
        *end = o + cum_nneighbor_per_level[layer_no + 1];
    }

    /// A level drawn from assign_probas.
    int random_level();

    /// Appends n nodes with random levels (or the levels already appended to
    /// `levels` when preset_levels) and their empty neighbour slots. Returns
    /// the highest level among them.
    int prepare_level_tab(size_t n, bool preset_levels = false);

    /// Empties the graph (the level probabilities and settings are kept).
    void reset();

    /// Makes a distance computer for one thread, over the current storage.
    using DistanceComputerFactory = std::function<DistanceComputer*()>;

    /// Links the nodes n0 .. n0 + n - 1 (already given levels and slots by
    /// prepare_level_tab) into the graph; x holds their n vectors of d floats.
    /// Nodes are inserted from the highest level down, in a fixed pseudo-random
    /// order within a level, in batches (ParlayANN's deterministic build, as
    /// Faiss builds since 1.15): a batch's nodes search the graph as it was
    /// before the batch, in parallel, then each older node takes its new
    /// reverse links at once. The graph is the same for any thread count.
    /// Distances from `make_dc` are the metric's; similarity metrics
    /// (is_similarity) keep the largest. Prints progress when verbose. If it
    /// throws (an interrupt, a failed allocation), the nodes before n0, the
    /// entry point and max_level are exactly as before the call; the caller
    /// drops the new nodes, whose lists are then named by no old node.
    void add_vertices(
            size_t n0,
            size_t n,
            const float* x,
            size_t d,
            const DistanceComputerFactory& make_dc,
            bool is_similarity,
            bool keep_max_size_level0,
            bool verbose);

    /// Drops the nodes n0 and after and every link to them; the caller
    /// restores entry_point, max_level and rng. After a failed add_vertices
    /// (which has already put the older nodes' lists back) this only drops the
    /// new nodes; after a completed one, lists that the new nodes made prune
    /// keep their remaining links (IndexIVFHNSW undoing the lists whose add
    /// completed when another list's failed).
    void truncate(size_t n0);

    /// Best nodes for the query set in qdis. The walk passes through every
    /// node, but only nodes that `reportable` accepts (all when null) are
    /// returned: while fewer than ef of them have been found every node seen
    /// stays a candidate, so a selective filter widens the walk rather than
    /// emptying the result. Writes up to k (distance, node) pairs best first
    /// and returns how many; distances are the metric's.
    size_t search(
            DistanceComputer& qdis,
            bool is_similarity,
            size_t k,
            float* distances,
            storage_idx_t* nodes,
            VisitedTable& vt,
            const SearchParameters* params,
            const IDSelector* reportable) const;

    /// Every reportable node within radius (L2: distance < radius; similarity:
    /// > radius) that the walk reaches: it explores past the ef best as long
    /// as candidates lie inside the radius.
    void range_search(
            DistanceComputer& qdis,
            bool is_similarity,
            float radius,
            std::vector<std::pair<float, storage_idx_t>>& hits,
            VisitedTable& vt,
            const SearchParameters* params,
            const IDSelector* reportable) const;

    /// Drops the nodes for which `removed` is true and renumbers the others in
    /// order (node i becomes i minus the removed nodes before it). The lists
    /// that pointed to a removed node are repaired first: the live nodes
    /// reachable through removed ones become candidates and the usual
    /// neighbour-selection heuristic keeps the best. `make_dc` computes over
    /// the storage as it is before the removal; `before_commit` runs once the
    /// new graph is ready, just before it replaces this one (the caller
    /// removes the storage rows there). The graph is left unchanged if either
    /// throws.
    void remove_nodes(
            const std::vector<bool>& removed,
            const DistanceComputerFactory& make_dc,
            bool is_similarity,
            bool keep_max_size_level0,
            const std::function<void()>& before_commit);
};

} // namespace faisslike
