#pragma once

#include <memory>
#include <vector>

#include <faisslike/IndexIVF.h>
#include <faisslike/impl/HNSW.h>
#include <faisslike/impl/VisitedTable.h>

namespace faisslike {

struct DistanceComputer;

/// Per-call settings of an IndexIVFHNSW search: the IVF's (nprobe, sel,
/// quantizer_params; max_codes is not used) and the per-list graph walk's.
/// Like every SearchParameters, all fields replace the index's own values.
struct SearchParametersIVFHNSW : SearchParametersIVF {
    int efSearch = 16; ///< beam of each list's walk (see HNSW::efSearch for efSearch < k)
    bool check_relative_distance = true; ///< see HNSW::check_relative_distance

    SearchParameters* clone() const override { return new SearchParametersIVFHNSW(*this); }
};

/// An inverted file whose every list carries its own HNSW graph (Lance's
/// IVF_HNSW_FLAT / IVF_HNSW_SQ / IVF_HNSW_PQ; Faiss has no such index). The
/// coarse quantizer picks the nprobe closest lists; each probed list is
/// searched by walking its graph with efSearch instead of scanning every code,
/// and the k best of all walks are merged.
///
/// It wraps an IndexIVF (IndexIVFFlat, IndexIVFScalarQuantizer, IndexIVFPQ)
/// that does the training, encoding, coarse assignment and storage; node i of
/// graphs[l] is position i of inverted list l. Distances are the IVF scanner's
/// (query to code, residuals included), so a walk ranks exactly as an IVF scan
/// of the same list would. Links between stored codes are scored on decoded
/// vectors.
///
/// Not to be confused with "IVF<n>_HNSW<M>,<code>" (an IVF whose coarse
/// quantizer is an HNSW over the centroids; the lists are still scanned).
///
/// add() is not safe alongside other calls; concurrent searches are.
struct IndexIVFHNSW : Index {
    /// The inverted file (deleted with this index when own_fields).
    IndexIVF* ivf = nullptr;
    bool own_fields = false;

    /// Graph settings of every list: M neighbours per upper level (2M on
    /// level 0), efConstruction while linking, efSearch while searching.
    int M = 32;
    int efConstruction = 40;
    int efSearch = 16;

    /// One graph per inverted list (ivf->nlist of them).
    std::vector<HNSW> graphs;

    /// An index without an IVF (a file reader fills it in).
    IndexIVFHNSW();
    /// Over `ivf` (not owned unless own_fields is set), which must be empty.
    explicit IndexIVFHNSW(IndexIVF* ivf, int M = 32);
    ~IndexIVFHNSW() override;
    IndexIVFHNSW(const IndexIVFHNSW&) = delete;
    IndexIVFHNSW& operator=(const IndexIVFHNSW&) = delete;

    /// Trains the IVF (coarse centroids and the encoder).
    void train(idx_t n, const float* x) override;

    /// Adds the vectors to their lists and links them into those lists'
    /// graphs, the lists in parallel. Left unchanged if it throws.
    void add(idx_t n, const float* x) override;
    void add_with_ids(idx_t n, const float* x, const idx_t* xids) override;

    /// params may be a SearchParametersIVFHNSW, a SearchParametersIVF (nprobe;
    /// efSearch from the index) or a SearchParametersHNSW (efSearch; nprobe
    /// from ivf->nprobe). A selector restricts the results, not the walk.
    void search(idx_t n, const float* x, idx_t k, float* distances, idx_t* labels,
                const SearchParameters* params = nullptr) const override;

    /// Vectors within radius among those the walks of the probed lists reach
    /// (approximate, as HNSW range search is): L2 distance < radius, or inner
    /// product > radius.
    void range_search(idx_t n, const float* x, float radius, RangeSearchResult* result,
                      const SearchParameters* params = nullptr) const override;

    /// Needs the IVF's direct map, as in Faiss (make_direct_map()).
    void reconstruct(idx_t key, float* recons) const override;
    /// Scans the lists: works without a direct map.
    void reconstruct_n(idx_t i0, idx_t ni, float* recons) const override;
    void make_direct_map(bool new_maintain_direct_map = true);

    /// Empties the lists and the graphs (training is kept).
    void reset() override;

    /// Removes the selected ids from their lists (the remaining entries keep
    /// their order) and repairs each touched list's graph by relinking the
    /// nodes that pointed to removed ones (HNSW::remove_nodes). Returns how
    /// many were removed. Left unchanged if it throws.
    size_t remove_ids(const IDSelector& sel) override;

    /// A distance computer over the codes of one list (one thread; caller
    /// owns it): set_query takes a raw vector, computes its coarse distance to
    /// the list's centroid and prepares the IVF scanner.
    DistanceComputer* get_list_distance_computer(size_t list_no) const;

    /// Throws unless the graphs match the lists (one per list, one node per
    /// entry): used after loading and before searching.
    void check_consistency() const;

   private:
    /// What a search (or range search) of n queries visits: the nprobe lists
    /// of each query with their coarse distances, the walk's settings (without
    /// a selector) and the caller's selector.
    struct Probes {
        size_t nprobe;
        std::vector<idx_t> lists;
        std::vector<float> coarse;
        SearchParametersHNSW walk;
        const IDSelector* sel;
    };
    /// Checks the index and params, then assigns the queries to their lists.
    Probes probe(idx_t n, const float* x, const SearchParameters* params, const char* what) const;
    void check_ivf(const char* what) const;
    /// Size of the largest graph (for the visited tables).
    size_t largest_graph() const;
    /// Runs per_query(q, dc, visited, each_list) for every query in parallel;
    /// each_list(visit) walks the query's probed lists (see the .cpp).
    template <class PerQuery>
    void for_each_query(idx_t n, const float* x, const Probes& p, size_t flops, PerQuery&& per_query) const;

    mutable VisitedTablePool visited_pool_;
};

} // namespace faisslike
