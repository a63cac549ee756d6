#include "IndexIVFHNSW_c.h"

#include <faisslike/IndexIVFHNSW.h>

#include "c_api_impl.h"

using faisslike::IndexIVF;
using faisslike::IndexIVFHNSW;
using faisslike::SearchParametersIVFHNSW;
using faisslike_c::get;
using faisslike_c::guarded;
using faisslike_c::put;

extern "C" {

FAISSLIKE_C_DESTRUCTOR(SearchParametersIVFHNSW)
FAISSLIKE_C_SEARCH_PARAMETERS_DOWNCAST(SearchParametersIVFHNSW, SearchParametersIVFHNSW)

int faiss_SearchParametersIVFHNSW_new(FaissSearchParametersIVFHNSW** p_sp) {
    return guarded(__func__, [&] { put(p_sp, std::make_unique<SearchParametersIVFHNSW>(), "p_sp"); });
}

int faiss_SearchParametersIVFHNSW_new_with(
        FaissSearchParametersIVFHNSW** p_sp,
        FaissIDSelector* sel,
        size_t nprobe,
        int efSearch) {
    return guarded(__func__, [&] {
        auto params = std::make_unique<SearchParametersIVFHNSW>();
        params->sel = faisslike_c::root(sel);
        params->nprobe = nprobe;
        params->efSearch = efSearch;
        put(p_sp, std::move(params), "p_sp");
    });
}

FAISSLIKE_C_GETTER_SETTER(SearchParametersIVFHNSW, SearchParametersIVFHNSW, size_t, nprobe, nprobe)
FAISSLIKE_C_GETTER_SETTER(SearchParametersIVFHNSW, SearchParametersIVFHNSW, int, efSearch, efSearch)

FAISSLIKE_C_INDEX_DOWNCAST(IndexIVFHNSW, IndexIVFHNSW)
FAISSLIKE_C_DESTRUCTOR(IndexIVFHNSW)

int faiss_IndexIVFHNSW_new_with(FaissIndexIVFHNSW** p_index, FaissIndexIVF* ivf, int M) {
    return guarded(__func__, [&] {
        put(p_index, std::make_unique<IndexIVFHNSW>(&get<IndexIVF>(ivf, "ivf"), M), "p_index");
    });
}

FaissIndexIVF* faiss_IndexIVFHNSW_ivf(const FaissIndexIVFHNSW* index) {
    const IndexIVFHNSW* p = faisslike_c::as<const IndexIVFHNSW>(index);
    return p ? faisslike_c::handle<FaissIndexIVF>(p->ivf) : nullptr;
}

FAISSLIKE_C_GETTER_SETTER(IndexIVFHNSW, IndexIVFHNSW, int, own_fields, own_fields)
FAISSLIKE_C_GETTER(IndexIVFHNSW, IndexIVFHNSW, int, M, M)
FAISSLIKE_C_GETTER_SETTER(IndexIVFHNSW, IndexIVFHNSW, int, efConstruction, efConstruction)
FAISSLIKE_C_GETTER_SETTER(IndexIVFHNSW, IndexIVFHNSW, int, efSearch, efSearch)
}
