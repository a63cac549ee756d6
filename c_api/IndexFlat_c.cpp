#include "IndexFlat_c.h"

#include <cfloat>

#include <faisslike/IndexFlat.h>
#include <faisslike/IndexRefine.h>
#include <faisslike/utils/distances.h>

#include "c_api_impl.h"

using faisslike::IndexFlat;
using faisslike::IndexFlatIP;
using faisslike::IndexFlatL2;
using faisslike::IndexRefine;
using faisslike::IndexRefineFlat;
using faisslike_c::get;
using faisslike_c::guarded;
using faisslike_c::put;
using faisslike_c::require;

extern "C" {

int faiss_IndexFlat_new(FaissIndexFlat** p_index) {
    return guarded(__func__, [&] { put(p_index, std::make_unique<IndexFlat>(), "p_index"); });
}

int faiss_IndexFlat_new_with(FaissIndexFlat** p_index, idx_t d, FaissMetricType metric) {
    return guarded(__func__, [&] {
        put(p_index, std::make_unique<IndexFlat>(d, faisslike_c::to_metric(metric)), "p_index");
    });
}

void faiss_IndexFlat_xb(FaissIndexFlat* index, float** p_xb, size_t* p_size) {
    IndexFlat* flat = faisslike_c::as<IndexFlat>(index);
    if (p_xb) {
        *p_xb = flat ? flat->get_xb() : nullptr;
    }
    if (p_size) {
        *p_size = flat ? size_t(flat->ntotal) * size_t(flat->d) : 0;
    }
}

FAISSLIKE_C_INDEX_DOWNCAST(IndexFlat, IndexFlat)
FAISSLIKE_C_DESTRUCTOR(IndexFlat)

int faiss_IndexFlat_compute_distance_subset(
        FaissIndex* index,
        idx_t n,
        const float* x,
        idx_t k,
        float* distances,
        const idx_t* labels) {
    return guarded(__func__, [&] {
        const IndexFlat& flat = get<IndexFlat>(index, "index");
        if (n < 0 || k < 0) {
            throw faisslike_c::ApiError{"n and k must be >= 0"};
        }
        if (n == 0 || k == 0) {
            return;
        }
        require(x, "x");
        require(distances, "distances");
        require(labels, "labels");
        const bool ip = flat.metric_type == faisslike::METRIC_INNER_PRODUCT;
        if (!ip && flat.metric_type != faisslike::METRIC_L2) {
            throw faisslike_c::ApiError{"only METRIC_L2 and METRIC_INNER_PRODUCT are supported"};
        }
        // Checked first, so that a bad label leaves distances untouched.
        for (idx_t i = 0; i < n * k; i++) {
            if (labels[i] < -1 || labels[i] >= flat.ntotal) {
                throw faisslike_c::ApiError{
                        "label " + std::to_string(labels[i]) + " at position " + std::to_string(i) +
                        " is outside [0, ntotal = " + std::to_string(flat.ntotal) + ") and not -1"};
            }
        }
        const size_t d = size_t(flat.d);
        for (idx_t i = 0; i < n * k; i++) {
            const float* q = x + size_t(i / k) * d;
            if (labels[i] < 0) {
                distances[i] = ip ? -FLT_MAX : FLT_MAX;
            } else {
                const float* y = flat.get_xb() + size_t(labels[i]) * d;
                distances[i] = ip ? faisslike::fvec_inner_product(q, y, d)
                                  : faisslike::fvec_L2sqr(q, y, d);
            }
        }
    });
}

FAISSLIKE_C_INDEX_DOWNCAST(IndexFlatIP, IndexFlatIP)
FAISSLIKE_C_DESTRUCTOR(IndexFlatIP)

int faiss_IndexFlatIP_new(FaissIndexFlatIP** p_index) {
    return guarded(__func__, [&] { put(p_index, std::make_unique<IndexFlatIP>(), "p_index"); });
}

int faiss_IndexFlatIP_new_with(FaissIndexFlatIP** p_index, idx_t d) {
    return guarded(__func__, [&] { put(p_index, std::make_unique<IndexFlatIP>(d), "p_index"); });
}

FAISSLIKE_C_INDEX_DOWNCAST(IndexFlatL2, IndexFlatL2)
FAISSLIKE_C_DESTRUCTOR(IndexFlatL2)

int faiss_IndexFlatL2_new(FaissIndexFlatL2** p_index) {
    return guarded(__func__, [&] { put(p_index, std::make_unique<IndexFlatL2>(), "p_index"); });
}

int faiss_IndexFlatL2_new_with(FaissIndexFlatL2** p_index, idx_t d) {
    return guarded(__func__, [&] { put(p_index, std::make_unique<IndexFlatL2>(d), "p_index"); });
}

int faiss_IndexRefineFlat_new(FaissIndexRefineFlat** p_index, FaissIndex* base_index) {
    return guarded(__func__, [&] {
        auto& base = get<faisslike::Index>(base_index, "base_index");
        put(p_index, std::make_unique<IndexRefineFlat>(&base), "p_index");
    });
}

FAISSLIKE_C_DESTRUCTOR(IndexRefineFlat)
FAISSLIKE_C_INDEX_DOWNCAST(IndexRefineFlat, IndexRefineFlat)

// Through IndexRefine, so that they also work on a refine index read from a
// file or made by the factory with another refine index.
FAISSLIKE_C_GETTER_SETTER(IndexRefineFlat, IndexRefine, int, own_fields, own_fields)
FAISSLIKE_C_GETTER_SETTER(IndexRefineFlat, IndexRefine, float, k_factor, k_factor)

} // extern "C"
