#pragma once

#include <faisslike/IndexIVF.h>

namespace faisslike {

/// IVF index storing the vectors uncompressed (Faiss's IndexIVFFlat). With
/// nprobe = nlist it returns exactly the results of IndexFlat.
struct IndexIVFFlat : IndexIVF {
    IndexIVFFlat(Index* quantizer, size_t d, size_t nlist, MetricType metric = METRIC_L2);
    IndexIVFFlat();

    void encode_vectors(idx_t n, const float* x, const idx_t* list_nos, uint8_t* codes) const override;
    void decode_vectors(idx_t n, const uint8_t* codes, const idx_t* list_nos, float* x) const override;
    InvertedListScanner* get_InvertedListScanner(bool store_pairs, const IDSelector* sel) const override;
};

} // namespace faisslike
