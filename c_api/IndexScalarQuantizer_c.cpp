#include "IndexScalarQuantizer_c.h"

#include <algorithm>
#include <climits>

#include <faisslike/IndexScalarQuantizer.h>

#include "c_api_impl.h"

using faisslike::IndexIVFScalarQuantizer;
using faisslike::IndexScalarQuantizer;
using faisslike::ScalarQuantizer;
using faisslike_c::get;
using faisslike_c::guarded;
using faisslike_c::put;

namespace {

int to_dimension(idx_t d) {
    if (d < 0 || d > INT_MAX) {
        throw faisslike_c::ApiError{"dimension " + std::to_string(d) + " is out of range"};
    }
    return int(d);
}

} // namespace

extern "C" {

int faiss_IndexScalarQuantizer_new(FaissIndexScalarQuantizer** p_index) {
    return guarded(__func__, [&] {
        put(p_index, std::make_unique<IndexScalarQuantizer>(), "p_index");
    });
}

int faiss_IndexScalarQuantizer_new_with(
        FaissIndexScalarQuantizer** p_index,
        idx_t d,
        FaissQuantizerType qt,
        FaissMetricType metric) {
    return guarded(__func__, [&] {
        put(p_index,
            std::make_unique<IndexScalarQuantizer>(
                    to_dimension(d), faisslike_c::to_qtype(qt), faisslike_c::to_metric(metric)),
            "p_index");
    });
}

FAISSLIKE_C_INDEX_DOWNCAST(IndexScalarQuantizer, IndexScalarQuantizer)
FAISSLIKE_C_DESTRUCTOR(IndexScalarQuantizer)

FAISSLIKE_C_INDEX_DOWNCAST(IndexIVFScalarQuantizer, IndexIVFScalarQuantizer)
FAISSLIKE_C_DESTRUCTOR(IndexIVFScalarQuantizer)

int faiss_IndexIVFScalarQuantizer_new(FaissIndexIVFScalarQuantizer** p_index) {
    return guarded(__func__, [&] {
        put(p_index, std::make_unique<IndexIVFScalarQuantizer>(), "p_index");
    });
}

int faiss_IndexIVFScalarQuantizer_new_with(
        FaissIndexIVFScalarQuantizer** p_index,
        FaissIndex* quantizer,
        idx_t d,
        size_t nlist,
        FaissQuantizerType qt) {
    return guarded(__func__, [&] {
        auto& q = get<faisslike::Index>(quantizer, "quantizer");
        put(p_index,
            std::make_unique<IndexIVFScalarQuantizer>(&q, size_t(to_dimension(d)), nlist, faisslike_c::to_qtype(qt)),
            "p_index");
    });
}

int faiss_IndexIVFScalarQuantizer_new_with_metric(
        FaissIndexIVFScalarQuantizer** p_index,
        FaissIndex* quantizer,
        size_t d,
        size_t nlist,
        FaissQuantizerType qt,
        FaissMetricType metric,
        int encode_residual) {
    return guarded(__func__, [&] {
        auto& q = get<faisslike::Index>(quantizer, "quantizer");
        put(p_index,
            std::make_unique<IndexIVFScalarQuantizer>(
                    &q, d, nlist, faisslike_c::to_qtype(qt), faisslike_c::to_metric(metric), encode_residual != 0),
            "p_index");
    });
}

// The fields every IVF index has work on any of them, as with Faiss.
FAISSLIKE_C_GETTER(IndexIVFScalarQuantizer, faisslike::IndexIVF, size_t, nlist, nlist)
FAISSLIKE_C_GETTER_SETTER(IndexIVFScalarQuantizer, faisslike::IndexIVF, size_t, nprobe, nprobe)
FAISSLIKE_C_GETTER_SETTER(IndexIVFScalarQuantizer, faisslike::IndexIVF, int, own_fields,
                          own_fields)

FaissIndex* faiss_IndexIVFScalarQuantizer_quantizer(const FaissIndexIVFScalarQuantizer* index) {
    const auto* ivf = faisslike_c::as<const faisslike::IndexIVF>(index);
    return ivf ? faisslike_c::handle<FaissIndex>(ivf->quantizer) : nullptr;
}

int faiss_IndexIVFScalarQuantizer_add_core(
        FaissIndexIVFScalarQuantizer* index,
        idx_t n,
        const float* x,
        const idx_t* xids,
        const idx_t* precomputed_idx) {
    return guarded(__func__, [&] {
        auto& ivf = get<faisslike::IndexIVF>(index, "index");
        if (n < 0) {
            throw faisslike_c::ApiError{"n = " + std::to_string(n) + " must be >= 0"};
        }
        if (n > 0) {
            faisslike_c::require(x, "x");
            faisslike_c::require(precomputed_idx, "precomputed_idx");
        }
        ivf.add_core(n, x, xids, precomputed_idx);
    });
}

FaissScalarQuantizer* faiss_IndexScalarQuantizer_sq(FaissIndexScalarQuantizer* index) {
    IndexScalarQuantizer* sq = faisslike_c::as<IndexScalarQuantizer>(index);
    return sq ? faisslike_c::handle<FaissScalarQuantizer>(&sq->sq) : nullptr;
}

FaissScalarQuantizer* faiss_IndexIVFScalarQuantizer_sq(FaissIndexIVFScalarQuantizer* index) {
    IndexIVFScalarQuantizer* ivf = faisslike_c::as<IndexIVFScalarQuantizer>(index);
    return ivf ? faisslike_c::handle<FaissScalarQuantizer>(&ivf->sq) : nullptr;
}

FAISSLIKE_C_GETTER(ScalarQuantizer, ScalarQuantizer, FaissQuantizerType, qtype, qtype)
FAISSLIKE_C_GETTER(ScalarQuantizer, ScalarQuantizer, size_t, bits, bits)
FAISSLIKE_C_GETTER(ScalarQuantizer, ScalarQuantizer, size_t, d, d)
FAISSLIKE_C_GETTER(ScalarQuantizer, ScalarQuantizer, size_t, code_size, code_size)
FAISSLIKE_C_GETTER_SETTER(ScalarQuantizer, ScalarQuantizer, FaissRangeStat, rangestat, rangestat)
FAISSLIKE_C_GETTER_SETTER(ScalarQuantizer, ScalarQuantizer, float, rangestat_arg, rangestat_arg)

size_t faiss_ScalarQuantizer_trained_size(const FaissScalarQuantizer* sq) {
    const ScalarQuantizer* q = faisslike_c::as<const ScalarQuantizer>(sq);
    return q ? q->trained.size() : 0;
}

void faiss_ScalarQuantizer_trained(const FaissScalarQuantizer* sq, float* out) {
    const ScalarQuantizer* q = faisslike_c::as<const ScalarQuantizer>(sq);
    if (q && out) {
        std::copy(q->trained.begin(), q->trained.end(), out);
    }
}

} // extern "C"
