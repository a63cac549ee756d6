#include "Index_c.h"

#include <faisslike/Index.h>
#include <faisslike/impl/IDSelector.h>

#include "c_api_impl.h"

using faisslike::Index;
using faisslike_c::get;
using faisslike_c::guarded;
using faisslike_c::require;

extern "C" {

FAISSLIKE_C_DESTRUCTOR(SearchParameters)

int faiss_SearchParameters_new(FaissSearchParameters** p_sp, FaissIDSelector* sel) {
    return guarded(__func__, [&] {
        auto params = std::make_unique<faisslike::SearchParameters>();
        params->sel = faisslike_c::root(sel);
        faisslike_c::put(p_sp, std::move(params), "p_sp");
    });
}

FAISSLIKE_C_DESTRUCTOR(Index)

FAISSLIKE_C_GETTER(Index, Index, int, d, d)
FAISSLIKE_C_GETTER(Index, Index, int, is_trained, is_trained)
FAISSLIKE_C_GETTER(Index, Index, idx_t, ntotal, ntotal)
FAISSLIKE_C_GETTER(Index, Index, FaissMetricType, metric_type, metric_type)
FAISSLIKE_C_GETTER_SETTER(Index, Index, int, verbose, verbose)

int faiss_Index_train(FaissIndex* index, idx_t n, const float* x) {
    return guarded(__func__, [&] { get<Index>(index, "index").train(n, x); });
}

int faiss_Index_add(FaissIndex* index, idx_t n, const float* x) {
    return guarded(__func__, [&] { get<Index>(index, "index").add(n, x); });
}

int faiss_Index_add_with_ids(FaissIndex* index, idx_t n, const float* x, const idx_t* xids) {
    return guarded(__func__, [&] { get<Index>(index, "index").add_with_ids(n, x, xids); });
}

int faiss_Index_search(
        const FaissIndex* index,
        idx_t n,
        const float* x,
        idx_t k,
        float* distances,
        idx_t* labels) {
    return guarded(__func__, [&] {
        get<const Index>(index, "index").search(n, x, k, distances, labels);
    });
}

int faiss_Index_search_with_params(
        const FaissIndex* index,
        idx_t n,
        const float* x,
        idx_t k,
        const FaissSearchParameters* params,
        float* distances,
        idx_t* labels) {
    return guarded(__func__, [&] {
        get<const Index>(index, "index").search(
                n, x, k, distances, labels, faisslike_c::root(params));
    });
}

int faiss_Index_range_search(
        const FaissIndex* index,
        idx_t n,
        const float* x,
        float radius,
        FaissRangeSearchResult* result) {
    return guarded(__func__, [&] {
        auto& rsr = get<faisslike::RangeSearchResult>(result, "result");
        get<const Index>(index, "index").range_search(n, x, radius, &rsr);
    });
}

int faiss_Index_assign(FaissIndex* index, idx_t n, const float* x, idx_t* labels, idx_t k) {
    return guarded(__func__, [&] { get<Index>(index, "index").assign(n, x, labels, k); });
}

int faiss_Index_reset(FaissIndex* index) {
    return guarded(__func__, [&] { get<Index>(index, "index").reset(); });
}

int faiss_Index_remove_ids(FaissIndex* index, const FaissIDSelector* sel, size_t* n_removed) {
    return guarded(__func__, [&] {
        auto& ix = get<Index>(index, "index");
        size_t removed = ix.remove_ids(get<const faisslike::IDSelector>(sel, "sel"));
        if (n_removed) {
            *n_removed = removed;
        }
    });
}

int faiss_Index_reconstruct(const FaissIndex* index, idx_t key, float* recons) {
    return guarded(__func__, [&] {
        require(recons, "recons");
        get<const Index>(index, "index").reconstruct(key, recons);
    });
}

int faiss_Index_reconstruct_n(const FaissIndex* index, idx_t i0, idx_t ni, float* recons) {
    return guarded(__func__, [&] {
        require(recons, "recons");
        get<const Index>(index, "index").reconstruct_n(i0, ni, recons);
    });
}

int faiss_Index_compute_residual(
        const FaissIndex* index,
        const float* x,
        float* residual,
        idx_t key) {
    return guarded(__func__, [&] {
        require(x, "x");
        require(residual, "residual");
        get<const Index>(index, "index").compute_residual(x, residual, key);
    });
}

int faiss_Index_compute_residual_n(
        const FaissIndex* index,
        idx_t n,
        const float* x,
        float* residuals,
        const idx_t* keys) {
    return guarded(__func__, [&] {
        auto& ix = get<const Index>(index, "index");
        if (n > 0) {
            require(x, "x");
            require(residuals, "residuals");
            require(keys, "keys");
        }
        ix.compute_residual_n(n, x, residuals, keys);
    });
}

int faiss_Index_sa_code_size(const FaissIndex* index, size_t* size) {
    return guarded(__func__, [&] {
        require(size, "size");
        *size = get<const Index>(index, "index").sa_code_size();
    });
}

int faiss_Index_sa_encode(const FaissIndex* index, idx_t n, const float* x, uint8_t* bytes) {
    return guarded(__func__, [&] { get<const Index>(index, "index").sa_encode(n, x, bytes); });
}

int faiss_Index_sa_decode(const FaissIndex* index, idx_t n, const uint8_t* bytes, float* x) {
    return guarded(__func__, [&] { get<const Index>(index, "index").sa_decode(n, bytes, x); });
}

} // extern "C"
