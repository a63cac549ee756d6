#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include <faisslike/Index.h>
#include <faisslike/impl/HNSW.h>
#include <faisslike/impl/VisitedTable.h>
#include <faisslike/impl/ScalarQuantizer.h>

namespace faisslike {

struct DistanceComputer;

/// Approximate search on a hierarchical navigable small-world graph over the
/// vectors of a storage index (Faiss's IndexHNSW). Use a subclass:
/// IndexHNSWFlat (raw vectors), IndexHNSWPQ (product-quantizer codes) or
/// IndexHNSWSQ (scalar-quantizer codes). Search with hnsw.efSearch, or per
/// call with SearchParametersHNSW. add() is not safe alongside other calls;
/// concurrent searches are.
///
/// Removal (which Faiss refuses): remove_ids only marks vectors deleted. They
/// are never returned, but the graph still walks through them, so recall
/// holds. The ids are those of Faiss's flat indexes: ids are 0 .. ntotal - 1
/// in insertion order, ntotal counts the vectors not removed, and removing
/// shifts the ids after each removed vector down, at once (so IndexIDMap and
/// IndexIDMap2 wrap an HNSW index just as they wrap IndexFlat). compact()
/// later drops the deleted nodes from the graph and the storage to reclaim
/// their memory and time; it changes no id. Until then the storage keeps the
/// deleted rows: storage->ntotal counts them and its row numbers are the
/// graph's nodes, not ids.
struct IndexHNSW : Index {
    HNSW hnsw;
    /// Delete the storage with this index.
    bool own_fields = false;
    /// Holds the vectors (or their codes); row i is graph node i.
    Index* storage = nullptr;
    /// Fill level-0 lists up to their size with the candidates the
    /// neighbour-selection heuristic rejected (Faiss's option; off by default).
    bool keep_max_size_level0 = false;

    /// Filtered searches (a selector in the parameters, or removed vectors)
    /// scan the selectable vectors exactly instead of walking the graph when
    /// that is estimated to be cheaper, which happens when few are left: the
    /// walk must step over the many others. -1 (default): choose from the
    /// estimated costs; 0: always walk; n > 0: scan when about n vectors or
    /// fewer are selectable (estimated from a sample of the index).
    idx_t filter_scan_threshold = -1;

    /// An index without storage (a file reader fills it in); train and add
    /// refuse to run on it.
    explicit IndexHNSW(int d = 0, int M = 32, MetricType metric = METRIC_L2);
    /// Over `storage` (not owned unless own_fields is set), which must be empty.
    explicit IndexHNSW(Index* storage, int M = 32);
    ~IndexHNSW() override;
    IndexHNSW(const IndexHNSW&) = delete;
    IndexHNSW& operator=(const IndexHNSW&) = delete;

    /// Trains the storage (PQ or SQ codebooks); no-op for flat storage.
    void train(idx_t n, const float* x) override;

    /// Adds n vectors to the storage and links them into the graph. New
    /// vectors get the ids ntotal .. ntotal + n - 1.
    void add(idx_t n, const float* x) override;

    /// params may be a SearchParametersHNSW; its selector (sel) restricts the
    /// results without restricting the walk.
    void search(
            idx_t n,
            const float* x,
            idx_t k,
            float* distances,
            idx_t* labels,
            const SearchParameters* params = nullptr) const override;

    /// Vectors within radius among those the graph walk reaches (approximate,
    /// as in Faiss): L2 distance < radius, or inner product > radius.
    void range_search(
            idx_t n,
            const float* x,
            float radius,
            RangeSearchResult* result,
            const SearchParameters* params = nullptr) const override;

    /// The stored vector (decoded for PQ / SQ storage) with id key.
    void reconstruct(idx_t key, float* recons) const override;

    /// Empties the graph and the storage (training is kept).
    void reset() override;

    /// Marks the selected ids deleted and returns how many were; the ids of
    /// the vectors after them shift down (see the class comment).
    size_t remove_ids(const IDSelector& sel) override;

    /// Removes the deleted vectors from the graph and the storage: the lists
    /// that pointed to them are relinked to the live nodes reached through
    /// them, with the usual neighbour-selection heuristic. Ids do not change.
    /// Left unchanged if it throws.
    void compact();

    /// Vectors removed by remove_ids and still held until compact().
    size_t n_deleted() const { return ndeleted_; }

    /// A distance computer over the storage, for one thread (caller owns it).
    /// Flat, PQ and SQ storages have fast ones; other storages are read
    /// through reconstruct().
    virtual DistanceComputer* get_distance_computer() const;

    /// faisslike extension: asks the OS for 2 MiB pages under the stored
    /// vectors and the graph's links, which searches and builds read at
    /// random (one TLB miss less per row read; see advise_huge_pages). add
    /// and read_index call it; only advice, nothing changes if refused.
    void use_huge_pages() const;

   protected:
    /// Throws unless a storage is set ("use IndexHNSWFlat ...").
    void check_storage(const char* what) const;
    /// Throws on invalid SearchParametersHNSW.
    void check_params(const SearchParameters* params) const;
    /// Called before the graph is built or repaired (add, compact), once the
    /// storage holds the vectors: for state the distance computers need.
    virtual void prepare_build() {}

   private:
    class NodeFilter;

    bool is_deleted(size_t node) const {
        return ndeleted_ > 0 && (deleted_[node >> 6] >> (node & 63)) & 1;
    }
    /// Id of a live node: its rank among the live nodes.
    idx_t label_of(size_t node) const;
    /// Node of an id (inverse of label_of).
    size_t node_of(idx_t label) const;
    void rebuild_deleted_counts();
    /// True when the filtered search should scan `nodes` (then filled with
    /// every selectable node) rather than walk the graph.
    bool choose_scan(const NodeFilter& filter, idx_t k, idx_t nq, const SearchParameters* params,
                     std::vector<int32_t>& nodes) const;

    /// One bit per node, set for deleted ones; empty when none is.
    std::vector<uint64_t> deleted_;
    /// Per 64-node word of deleted_: deleted nodes in the words before it.
    std::vector<idx_t> deleted_before_;
    size_t ndeleted_ = 0;

    mutable VisitedTablePool visited_pool_;
};

/// HNSW over uncompressed vectors (an IndexFlat storage): exact distances.
struct IndexHNSWFlat : IndexHNSW {
    IndexHNSWFlat(int d, int M, MetricType metric = METRIC_L2);
    IndexHNSWFlat();
};

/// HNSW over product-quantizer codes (an IndexPQ storage): needs train().
/// The graph is built from the exact vector being added to the codes of the
/// others (asymmetric distances) and between codes from a table of
/// centroid-to-centroid distances (symmetric distances, as in Faiss).
struct IndexHNSWPQ : IndexHNSW {
    /// d must be a multiple of pq_m.
    IndexHNSWPQ(int d, int pq_m, int M, int pq_nbits = 8, MetricType metric = METRIC_L2);
    IndexHNSWPQ();

    void train(idx_t n, const float* x) override;
    DistanceComputer* get_distance_computer() const override;

   protected:
    void prepare_build() override;

   private:
    /// Symmetric distance table of the storage's PQ (compute_pq_sdc_table),
    /// derived from the centroids: filled by train() or on the first add.
    std::vector<float> sdc_table_;
};

/// HNSW over scalar-quantizer codes (an IndexScalarQuantizer storage); needs
/// train() for the quantizer types that learn ranges.
struct IndexHNSWSQ : IndexHNSW {
    IndexHNSWSQ(int d, ScalarQuantizer::QuantizerType qtype, int M, MetricType metric = METRIC_L2);
    IndexHNSWSQ();
};

} // namespace faisslike
