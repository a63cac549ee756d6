#include "IndexHNSW_c.h"

#include <faisslike/IndexHNSW.h>
#include <faisslike/impl/HNSW.h>

#include "c_api_impl.h"

using faisslike::IndexHNSW;
using faisslike::IndexHNSWFlat;
using faisslike::IndexHNSWPQ;
using faisslike::IndexHNSWSQ;
using faisslike::SearchParametersHNSW;
using faisslike_c::get;
using faisslike_c::guarded;
using faisslike_c::put;

extern "C" {

FAISSLIKE_C_DESTRUCTOR(SearchParametersHNSW)
FAISSLIKE_C_SEARCH_PARAMETERS_DOWNCAST(SearchParametersHNSW, SearchParametersHNSW)

int faiss_SearchParametersHNSW_new(FaissSearchParametersHNSW** p_sp) {
    return guarded(__func__, [&] {
        put(p_sp, std::make_unique<SearchParametersHNSW>(), "p_sp");
    });
}

int faiss_SearchParametersHNSW_new_with(
        FaissSearchParametersHNSW** p_sp,
        FaissIDSelector* sel,
        int efSearch) {
    return guarded(__func__, [&] {
        auto params = std::make_unique<SearchParametersHNSW>();
        params->sel = faisslike_c::root(sel);
        params->efSearch = efSearch;
        put(p_sp, std::move(params), "p_sp");
    });
}

const FaissIDSelector* faiss_SearchParametersHNSW_sel(const FaissSearchParametersHNSW* params) {
    const SearchParametersHNSW* p = faisslike_c::as<const SearchParametersHNSW>(params);
    return p ? faisslike_c::handle<FaissIDSelector>(p->sel) : nullptr;
}

FAISSLIKE_C_GETTER_SETTER(SearchParametersHNSW, SearchParametersHNSW, int, efSearch, efSearch)
FAISSLIKE_C_GETTER_SETTER(SearchParametersHNSW, SearchParametersHNSW, int, check_relative_distance,
                          check_relative_distance)
FAISSLIKE_C_GETTER_SETTER(SearchParametersHNSW, SearchParametersHNSW, int, upper_beam, upper_beam)
FAISSLIKE_C_GETTER_SETTER(SearchParametersHNSW, SearchParametersHNSW, int, bounded_queue,
                          bounded_queue)

FAISSLIKE_C_INDEX_DOWNCAST(IndexHNSW, IndexHNSW)
FAISSLIKE_C_DESTRUCTOR(IndexHNSW)

FAISSLIKE_C_GETTER_SETTER(IndexHNSW, IndexHNSW, int, hnsw_efSearch, hnsw.efSearch)
FAISSLIKE_C_GETTER_SETTER(IndexHNSW, IndexHNSW, int, hnsw_upper_beam, hnsw.upper_beam)
FAISSLIKE_C_GETTER_SETTER(IndexHNSW, IndexHNSW, int, hnsw_efConstruction, hnsw.efConstruction)
FAISSLIKE_C_GETTER_SETTER(IndexHNSW, IndexHNSW, int, hnsw_check_relative_distance,
                          hnsw.check_relative_distance)
FAISSLIKE_C_GETTER_SETTER(IndexHNSW, IndexHNSW, int, hnsw_search_bounded_queue,
                          hnsw.search_bounded_queue)
FAISSLIKE_C_GETTER(IndexHNSW, IndexHNSW, int, hnsw_max_level, hnsw.max_level)
FAISSLIKE_C_GETTER_SETTER(IndexHNSW, IndexHNSW, int, own_fields, own_fields)
FAISSLIKE_C_GETTER(IndexHNSW, IndexHNSW, size_t, n_deleted, n_deleted())

FaissIndex* faiss_IndexHNSW_storage(const FaissIndexHNSW* index) {
    const IndexHNSW* hnsw = faisslike_c::as<const IndexHNSW>(index);
    return hnsw ? faisslike_c::handle<FaissIndex>(hnsw->storage) : nullptr;
}

int faiss_IndexHNSW_compact(FaissIndexHNSW* index) {
    return guarded(__func__, [&] { get<IndexHNSW>(index, "index").compact(); });
}

FAISSLIKE_C_INDEX_DOWNCAST(IndexHNSWFlat, IndexHNSWFlat)
FAISSLIKE_C_DESTRUCTOR(IndexHNSWFlat)

int faiss_IndexHNSWFlat_new(FaissIndexHNSWFlat** p_index) {
    return guarded(__func__, [&] { put(p_index, std::make_unique<IndexHNSWFlat>(), "p_index"); });
}

int faiss_IndexHNSWFlat_new_with(FaissIndexHNSWFlat** p_index, int d, int M, FaissMetricType metric) {
    return guarded(__func__, [&] {
        put(p_index, std::make_unique<IndexHNSWFlat>(d, M, faisslike_c::to_metric(metric)),
            "p_index");
    });
}

FAISSLIKE_C_INDEX_DOWNCAST(IndexHNSWPQ, IndexHNSWPQ)
FAISSLIKE_C_DESTRUCTOR(IndexHNSWPQ)

int faiss_IndexHNSWPQ_new(FaissIndexHNSWPQ** p_index) {
    return guarded(__func__, [&] { put(p_index, std::make_unique<IndexHNSWPQ>(), "p_index"); });
}

int faiss_IndexHNSWPQ_new_with(
        FaissIndexHNSWPQ** p_index,
        int d,
        int pq_m,
        int M,
        int pq_nbits,
        FaissMetricType metric) {
    return guarded(__func__, [&] {
        put(p_index,
            std::make_unique<IndexHNSWPQ>(d, pq_m, M, pq_nbits, faisslike_c::to_metric(metric)),
            "p_index");
    });
}

FAISSLIKE_C_INDEX_DOWNCAST(IndexHNSWSQ, IndexHNSWSQ)
FAISSLIKE_C_DESTRUCTOR(IndexHNSWSQ)

int faiss_IndexHNSWSQ_new(FaissIndexHNSWSQ** p_index) {
    return guarded(__func__, [&] { put(p_index, std::make_unique<IndexHNSWSQ>(), "p_index"); });
}

int faiss_IndexHNSWSQ_new_with(
        FaissIndexHNSWSQ** p_index,
        int d,
        FaissQuantizerType qtype,
        int M,
        FaissMetricType metric) {
    return guarded(__func__, [&] {
        put(p_index,
            std::make_unique<IndexHNSWSQ>(
                    d,
                    faisslike_c::to_qtype(qtype),
                    M,
                    faisslike_c::to_metric(metric)),
            "p_index");
    });
}

} // extern "C"
