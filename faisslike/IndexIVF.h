#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include <faisslike/Clustering.h>
#include <faisslike/Index.h>
#include <faisslike/invlists/DirectMap.h>
#include <faisslike/invlists/InvertedLists.h>

namespace faisslike {

struct IDSelector;
class RangeSearchHits;

/// Per-call settings of an IVF search (Faiss's SearchParametersIVF).
struct SearchParametersIVF : SearchParameters {
    size_t nprobe = 1;    ///< lists visited per query (clamped to nlist)
    size_t max_codes = 0; ///< stop a query after this many codes (0: no limit)
    /// Parameters passed to the coarse quantizer's search (e.g. an HNSW efSearch).
    SearchParameters* quantizer_params = nullptr;

    SearchParameters* clone() const override { return new SearchParametersIVF(*this); }
};

using IVFSearchParameters = SearchParametersIVF;

/// Computes the distances between one query and the codes of one list at a
/// time, keeping the best in a heap (the inner loop of IVF search).
struct InvertedListScanner {
    idx_t list_no = -1;    ///< list being scanned
    bool keep_max = false; ///< similarities (IP): keep the largest
    bool store_pairs;      ///< report (list, offset) packed by lo_build instead of ids
    const IDSelector* sel; ///< skip ids not selected (null: all)
    size_t code_size = 0;

    InvertedListScanner(bool store_pairs, const IDSelector* sel)
            : store_pairs(store_pairs), sel(sel) {}
    virtual ~InvertedListScanner() = default;

    virtual void set_query(const float* query) = 0;
    virtual void set_list(idx_t list_no, float coarse_dis) = 0;
    /// Distance from the query to one code of the current list.
    virtual float distance_to_code(const uint8_t* code) const = 0;

    /// Offers the n codes of the current list to a heap of size k (max-heap for
    /// L2, min-heap for IP). Returns the number of heap updates.
    virtual size_t scan_codes(
            size_t n,
            const uint8_t* codes,
            const idx_t* ids,
            float* heap_dis,
            idx_t* heap_ids,
            size_t k) const;

    /// Adds every code within radius to the hits of query `query_no`.
    virtual void scan_codes_range(
            size_t n,
            const uint8_t* codes,
            const idx_t* ids,
            float radius,
            RangeSearchHits& hits,
            size_t query_no) const;

   protected:
    idx_t result_id(const idx_t* ids, size_t offset) const {
        return store_pairs ? lo_build(list_no, idx_t(offset)) : ids[offset];
    }
};

/// Inverted-file index: a coarse quantizer splits the space into nlist cells;
/// each vector is stored, encoded, in the inverted list of its nearest centroid,
/// and a search visits the nprobe lists closest to the query.
/// Subclasses choose the encoding (IndexIVFFlat, IndexIVFPQ, ...).
struct IndexIVF : Index {
    Index* quantizer;           ///< maps a vector to its list (holds nlist centroids)
    size_t nlist;
    /// 0: k-means on the training set using the quantizer for assignment;
    /// 1: train the quantizer with the training set directly;
    /// 2: k-means with a flat index, then add the centroids to the quantizer (HNSW).
    char quantizer_trains_alone = 0;
    bool own_fields = false;    ///< delete the quantizer with the index
    ClusteringParameters cp;    ///< k-means settings of the coarse quantizer (niter 10, as Faiss)
    Index* clustering_index = nullptr; ///< optional alternative assignment index for k-means

    size_t nprobe = 1;
    size_t max_codes = 0;

    InvertedLists* invlists = nullptr;
    bool own_invlists = false;
    size_t code_size = 0;       ///< bytes per stored code
    /// 0: parallel over queries when there are enough, else over the probed lists;
    /// 1: always over the probed lists of each query.
    int parallel_mode = 0;
    DirectMap direct_map;
    bool by_residual = true;    ///< encode x - centroid rather than x

    /// The quantizer is not owned unless own_fields is set. It must have dimension d.
    IndexIVF(Index* quantizer, size_t d, size_t nlist, size_t code_size, MetricType metric = METRIC_L2);
    IndexIVF();
    ~IndexIVF() override;
    IndexIVF(const IndexIVF&) = delete;
    IndexIVF& operator=(const IndexIVF&) = delete;

    void train(idx_t n, const float* x) override;
    void add(idx_t n, const float* x) override;
    void add_with_ids(idx_t n, const float* x, const idx_t* xids) override;
    /// Adds vectors whose lists are already known (list_nos[i], -1 to skip).
    virtual void add_core(idx_t n, const float* x, const idx_t* xids, const idx_t* list_nos);

    /// Encodes n vectors assigned to the given lists into n * code_size bytes.
    virtual void encode_vectors(idx_t n, const float* x, const idx_t* list_nos, uint8_t* codes) const = 0;
    /// Inverse of encode_vectors (exact for flat codes, approximate otherwise).
    virtual void decode_vectors(idx_t n, const uint8_t* codes, const idx_t* list_nos, float* x) const = 0;
    /// Trains the encoder on n training vectors; when by_residual, assign holds
    /// their lists and the encoder computes the residuals itself. No-op by default.
    virtual void train_encoder(idx_t n, const float* x, const idx_t* assign);
    /// How many training vectors train_encoder wants (0: none).
    virtual idx_t train_encoder_num_vectors() const { return 0; }

    void search(idx_t n, const float* x, idx_t k, float* distances, idx_t* labels,
                const SearchParameters* params = nullptr) const override;
    /// Search given the coarse assignment (n * nprobe lists and their distances).
    virtual void search_preassigned(
            idx_t n, const float* x, idx_t k, const idx_t* assign, const float* centroid_dis,
            float* distances, idx_t* labels, bool store_pairs,
            const SearchParametersIVF* params = nullptr) const;
    void range_search(idx_t n, const float* x, float radius, RangeSearchResult* result,
                      const SearchParameters* params = nullptr) const override;
    virtual void range_search_preassigned(
            idx_t n, const float* x, float radius, const idx_t* assign, const float* centroid_dis,
            RangeSearchResult* result, bool store_pairs = false,
            const SearchParametersIVF* params = nullptr) const;

    /// A scanner for this index's codes (caller owns it).
    virtual InvertedListScanner* get_InvertedListScanner(bool store_pairs, const IDSelector* sel) const = 0;

    void reset() override;
    size_t remove_ids(const IDSelector& sel) override;

    /// Needs a direct map (make_direct_map / set_direct_map_type), as in Faiss.
    void reconstruct(idx_t key, float* recons) const override;
    /// Scans the lists: works without a direct map.
    void reconstruct_n(idx_t i0, idx_t ni, float* recons) const override;
    virtual void reconstruct_from_offset(int64_t list_no, int64_t offset, float* recons) const;
    /// Works without a direct map (results are located while searching).
    void search_and_reconstruct(idx_t n, const float* x, idx_t k, float* distances, idx_t* labels,
                                float* recons, const SearchParameters* params = nullptr) const override;

    void check_compatible_for_merge(const Index& otherIndex) const override;
    void merge_from(Index& otherIndex, idx_t add_id = 0) override;

    size_t get_list_size(size_t list_no) const;
    /// Array direct map (sequential ids) when true, none when false.
    void make_direct_map(bool new_maintain_direct_map = true);
    void set_direct_map_type(DirectMap::Type type);
    /// Replaces the inverted lists (same nlist and code_size); takes ownership if own.
    void replace_invlists(InvertedLists* il, bool own = false);

    /// Standalone codes: the list number on coarse_code_size() bytes, then the code.
    size_t coarse_code_size() const;
    size_t sa_code_size() const override;
    void sa_encode(idx_t n, const float* x, uint8_t* bytes) const override;
    void sa_decode(idx_t n, const uint8_t* bytes, float* x) const override;

   protected:
    /// Settings of one search: the index's fields overridden by params.
    struct SearchSettings {
        size_t nprobe;
        size_t max_codes;
        const IDSelector* sel;
        const SearchParameters* quantizer_params;
    };
    SearchSettings search_settings(const SearchParameters* params) const;
    void check_trained(const char* what) const;
    /// The coarse centroid of a list (for residual encoding).
    void centroid_of(idx_t list_no, float* centroid) const;
};

} // namespace faisslike
