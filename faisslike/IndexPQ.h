#pragma once

#include <faisslike/IndexFlatCodes.h>
#include <faisslike/impl/ProductQuantizer.h>

namespace faisslike {

/// Flat index of product-quantizer codes (Faiss's IndexPQ): every vector is
/// stored as a PQ code and a search computes, for each query, the M * ksub
/// table of sub-vector distances and sums M entries per code (asymmetric
/// distance computation, ADC). Supports METRIC_L2 and METRIC_INNER_PRODUCT.
struct IndexPQ : IndexFlatCodes {
    ProductQuantizer pq;

    /// Polysemous training reorders the centroids for Hamming filtering; it
    /// is not implemented, so train() refuses it (false by default).
    bool do_polysemous_training = false;

    /// Search algorithm (Faiss's values, stored in index files). Only ST_PQ is
    /// implemented; the others are refused by search().
    enum Search_type_t {
        ST_PQ,                    ///< asymmetric distance (ADC)
        ST_HE,                    ///< Hamming distance on codes
        ST_generalized_HE,        ///< number of equal sub-codes
        ST_SDC,                   ///< symmetric distance
        ST_polysemous,            ///< Hamming filter, then ADC
        ST_polysemous_generalize, ///< generalized Hamming filter, then ADC
    };
    Search_type_t search_type = ST_PQ;

    /// Kept for file compatibility (used by the Hamming search types only).
    bool encode_signs = false;
    /// Hamming threshold of the polysemous search types (nbits * M + 1: off).
    int polysemous_ht;

    /// d must be a multiple of M; 1 <= nbits <= 16.
    IndexPQ(int d, size_t M, size_t nbits, MetricType metric = METRIC_L2);
    IndexPQ();

    void train(idx_t n, const float* x) override;

    /// params may be a SearchParameters (selector) or a SearchParametersPQ.
    void search(idx_t n, const float* x, idx_t k, float* distances, idx_t* labels,
                const SearchParameters* params = nullptr) const override;
    void range_search(idx_t n, const float* x, float radius, RangeSearchResult* result,
                      const SearchParameters* params = nullptr) const override;

    void sa_encode(idx_t n, const float* x, uint8_t* bytes) const override;
    void sa_decode(idx_t n, const uint8_t* bytes, float* x) const override;

    /// Also requires identical PQ centroids.
    void check_compatible_for_merge(const Index& otherIndex) const override;
};

/// Per-call settings of IndexPQ::search (Faiss's SearchParametersPQ).
struct SearchParametersPQ : SearchParameters {
    IndexPQ::Search_type_t search_type = IndexPQ::ST_PQ;
    int polysemous_ht = 0;

    SearchParameters* clone() const override { return new SearchParametersPQ(*this); }
};

} // namespace faisslike
