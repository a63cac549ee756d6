#pragma once

#include <cstddef>
#include <vector>

#include <faisslike/IndexIVF.h>
#include <faisslike/impl/ProductQuantizer.h>

namespace faisslike {

/// Largest precomputed table (bytes) that use_precomputed_table = 0 lets
/// precompute_table() build: 2 GiB, Faiss's default. Read at training only.
extern size_t precomputed_table_max_bytes;

/// IVF index storing product-quantizer codes (Faiss's IndexIVFPQ). With
/// by_residual (the default) each vector is encoded as its residual from the
/// centroid of its list, and a search sums, per code, M entries of a table of
/// distances between the query and the PQ centroids.
///
/// For L2 and by_residual the distance of query x to a stored y_C + y_R is
///     |x - y_C|^2  +  (|y_R|^2 + 2 <y_C, y_R>)  -  2 <x, y_R>
///     coarse term     precomputed per list        per query
/// so with the precomputed table a probed list costs one M * ksub vector
/// addition instead of a full distance table.
struct IndexIVFPQ : IndexIVF {
    ProductQuantizer pq;

    /// Polysemous training (reordering the centroids for Hamming filtering) is
    /// not implemented; train() refuses it. False, as in Faiss's constructor.
    bool do_polysemous_training = false;

    /// Lists shorter than this are scanned by decoding each code instead of
    /// building a distance table (0: always use tables). Only lists whose
    /// table depends on the list (L2 with by_residual) are concerned.
    size_t scan_table_threshold = 0;

    /// Hamming threshold of polysemous filtering; must be 0 (not implemented).
    int polysemous_ht = 0;

    /// -1: no precomputed table; 0: precompute_table() builds one when it is
    /// useful (L2, by_residual) and fits in precomputed_table_max_bytes, and
    /// sets this to 1; 1: build and use it (nlist * M * ksub floats).
    /// Faiss's value 2 (MultiIndexQuantizer tables) is not supported.
    int use_precomputed_table = 0;

    /// (list, sub-quantizer, centroid) -> |y_R|^2 + 2 <y_C, y_R>.
    std::vector<float> precomputed_table;

    /// d must be a multiple of M; 1 <= nbits_per_idx <= 16. The quantizer is
    /// not owned unless own_fields is set.
    IndexIVFPQ(Index* quantizer, size_t d, size_t nlist, size_t M, size_t nbits_per_idx,
               MetricType metric = METRIC_L2);
    IndexIVFPQ();

    /// Trains the coarse quantizer (if needed) and the PQ. Inputs are checked
    /// before anything is trained, so a refused training changes nothing.
    void train(idx_t n, const float* x) override;
    void train_encoder(idx_t n, const float* x, const idx_t* assign) override;
    idx_t train_encoder_num_vectors() const override;

    void encode_vectors(idx_t n, const float* x, const idx_t* list_nos, uint8_t* codes) const override;
    void decode_vectors(idx_t n, const uint8_t* codes, const idx_t* list_nos, float* x) const override;

    InvertedListScanner* get_InvertedListScanner(bool store_pairs,
                                                 const IDSelector* sel) const override;

    /// Builds the search-time tables from the current quantizer and PQ: the
    /// precomputed table (see use_precomputed_table) and pq's transposed
    /// centroids. train() calls it; call it again after changing the coarse
    /// centroids or pq.centroids directly, as Faiss requires.
    void precompute_table();

    /// Also requires identical PQ centroids.
    void check_compatible_for_merge(const Index& otherIndex) const override;
};

} // namespace faisslike
