#pragma once

#include <faisslike/IndexFlatCodes.h>
#include <faisslike/IndexIVF.h>
#include <faisslike/impl/ScalarQuantizer.h>

namespace faisslike {

/// Exhaustive search over scalar-quantized vectors (Faiss's IndexScalarQuantizer).
/// Distances are computed on the codes, L2 or inner product, against the
/// decoded vectors. The types with ranges (QT_8bit, QT_4bit, ...) need train();
/// QT_fp16, QT_bf16 and the direct types are trained from construction.
struct IndexScalarQuantizer : IndexFlatCodes {
    ScalarQuantizer sq; ///< encodes the vectors

    IndexScalarQuantizer(int d, ScalarQuantizer::QuantizerType qtype, MetricType metric = METRIC_L2);
    IndexScalarQuantizer();

    /// Learns the ranges. Refuses to retrain an index that holds vectors
    /// (their codes would no longer decode): reset() it first.
    void train(idx_t n, const float* x) override;

    /// Parallel over queries; honours params->sel.
    void search(
            idx_t n,
            const float* x,
            idx_t k,
            float* distances,
            idx_t* labels,
            const SearchParameters* params = nullptr) const override;

    void range_search(
            idx_t n,
            const float* x,
            float radius,
            RangeSearchResult* result,
            const SearchParameters* params = nullptr) const override;

    /// Rejects vectors with NaN or infinite components (add goes through here).
    void sa_encode(idx_t n, const float* x, uint8_t* bytes) const override;
    void sa_decode(idx_t n, const uint8_t* bytes, float* x) const override;

    /// Also requires the same quantizer type and trained ranges.
    void check_compatible_for_merge(const Index& otherIndex) const override;
};

/// IVF index whose lists hold scalar-quantized vectors, by default the
/// residuals to the list centroids (Faiss's IndexIVFScalarQuantizer).
struct IndexIVFScalarQuantizer : IndexIVF {
    ScalarQuantizer sq; ///< encodes the vectors or their residuals

    IndexIVFScalarQuantizer(
            Index* quantizer,
            size_t d,
            size_t nlist,
            ScalarQuantizer::QuantizerType qtype,
            MetricType metric = METRIC_L2,
            bool by_residual = true);
    IndexIVFScalarQuantizer();

    /// As IndexIVF::train calls it: x holds the training vectors and, when
    /// by_residual, assign their lists; the ranges are learnt on the residuals.
    void train_encoder(idx_t n, const float* x, const idx_t* assign) override;
    idx_t train_encoder_num_vectors() const override;

    void encode_vectors(idx_t n, const float* x, const idx_t* list_nos, uint8_t* codes) const override;
    void decode_vectors(idx_t n, const uint8_t* codes, const idx_t* list_nos, float* x) const override;
    InvertedListScanner* get_InvertedListScanner(bool store_pairs, const IDSelector* sel) const override;

    /// Also requires the same quantizer type and trained ranges.
    void check_compatible_for_merge(const Index& otherIndex) const override;
};

} // namespace faisslike
