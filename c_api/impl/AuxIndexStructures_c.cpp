#include "AuxIndexStructures_c.h"

#include <faisslike/impl/IDSelector.h>
#include <faisslike/impl/RangeSearchResult.h>

#include "../c_api_impl.h"

using faisslike::IDSelector;
using faisslike::RangeSearchResult;
using faisslike_c::get;
using faisslike_c::guarded;
using faisslike_c::put;

namespace {

size_t query_count(idx_t nq) {
    if (nq < 0) {
        throw faisslike_c::ApiError{"nq = " + std::to_string(nq) + " must be >= 0"};
    }
    return size_t(nq);
}

} // namespace

extern "C" {

FAISSLIKE_C_GETTER(RangeSearchResult, RangeSearchResult, size_t, nq, nq)

int faiss_RangeSearchResult_new(FaissRangeSearchResult** p_rsr, idx_t nq) {
    return guarded(__func__, [&] {
        put(p_rsr, std::make_unique<RangeSearchResult>(query_count(nq)), "p_rsr");
    });
}

int faiss_RangeSearchResult_new_with(FaissRangeSearchResult** p_rsr, idx_t nq, int alloc_lims) {
    return guarded(__func__, [&] {
        put(p_rsr, std::make_unique<RangeSearchResult>(query_count(nq), alloc_lims != 0), "p_rsr");
    });
}

int faiss_RangeSearchResult_do_allocation(FaissRangeSearchResult* rsr) {
    return guarded(__func__, [&] { get<RangeSearchResult>(rsr, "rsr").do_allocation(); });
}

FAISSLIKE_C_DESTRUCTOR(RangeSearchResult)

FAISSLIKE_C_GETTER(RangeSearchResult, RangeSearchResult, size_t, buffer_size, buffer_size)

void faiss_RangeSearchResult_lims(FaissRangeSearchResult* rsr, size_t** lims) {
    RangeSearchResult* r = faisslike_c::as<RangeSearchResult>(rsr);
    if (lims) {
        *lims = r ? r->lims : nullptr;
    }
}

void faiss_RangeSearchResult_labels(FaissRangeSearchResult* rsr, idx_t** labels, float** distances) {
    RangeSearchResult* r = faisslike_c::as<RangeSearchResult>(rsr);
    if (labels) {
        *labels = r ? r->labels : nullptr;
    }
    if (distances) {
        *distances = r ? r->distances : nullptr;
    }
}

FAISSLIKE_C_DESTRUCTOR(IDSelector)

int faiss_IDSelector_is_member(const FaissIDSelector* sel, idx_t id) {
    const IDSelector* s = faisslike_c::as<const IDSelector>(sel);
    return s && s->is_member(id) ? 1 : 0;
}

FAISSLIKE_C_DESTRUCTOR(IDSelectorRange)
FAISSLIKE_C_GETTER(IDSelectorRange, faisslike::IDSelectorRange, idx_t, imin, imin)
FAISSLIKE_C_GETTER(IDSelectorRange, faisslike::IDSelectorRange, idx_t, imax, imax)

int faiss_IDSelectorRange_new(FaissIDSelectorRange** p_sel, idx_t imin, idx_t imax) {
    return guarded(__func__, [&] {
        put(p_sel, std::make_unique<faisslike::IDSelectorRange>(imin, imax), "p_sel");
    });
}

FAISSLIKE_C_GETTER(IDSelectorBatch, faisslike::IDSelectorBatch, int, nbits, nbits)
FAISSLIKE_C_GETTER(IDSelectorBatch, faisslike::IDSelectorBatch, idx_t, mask, mask)

int faiss_IDSelectorBatch_new(FaissIDSelectorBatch** p_sel, size_t n, const idx_t* indices) {
    return guarded(__func__, [&] {
        if (n > 0) {
            faisslike_c::require(indices, "indices");
        }
        put(p_sel, std::make_unique<faisslike::IDSelectorBatch>(n, indices), "p_sel");
    });
}

FAISSLIKE_C_DESTRUCTOR(IDSelectorBitmap)
FAISSLIKE_C_GETTER(IDSelectorBitmap, faisslike::IDSelectorBitmap, size_t, n, n)
FAISSLIKE_C_GETTER(IDSelectorBitmap, faisslike::IDSelectorBitmap, const uint8_t*, bitmap, bitmap)

int faiss_IDSelectorBitmap_new(FaissIDSelectorBitmap** p_sel, size_t n, const uint8_t* bitmap) {
    return guarded(__func__, [&] {
        if (n > 0) {
            faisslike_c::require(bitmap, "bitmap");
        }
        put(p_sel, std::make_unique<faisslike::IDSelectorBitmap>(n, bitmap), "p_sel");
    });
}

int faiss_IDSelectorNot_new(FaissIDSelectorNot** p_sel, const FaissIDSelector* sel) {
    return guarded(__func__, [&] {
        const IDSelector& inner = get<const IDSelector>(sel, "sel");
        put(p_sel, std::make_unique<faisslike::IDSelectorNot>(&inner), "p_sel");
    });
}

int faiss_IDSelectorAnd_new(
        FaissIDSelectorAnd** p_sel,
        const FaissIDSelector* lhs_sel,
        const FaissIDSelector* rhs_sel) {
    return guarded(__func__, [&] {
        const IDSelector& lhs = get<const IDSelector>(lhs_sel, "lhs_sel");
        const IDSelector& rhs = get<const IDSelector>(rhs_sel, "rhs_sel");
        put(p_sel, std::make_unique<faisslike::IDSelectorAnd>(&lhs, &rhs), "p_sel");
    });
}

int faiss_IDSelectorOr_new(
        FaissIDSelectorOr** p_sel,
        const FaissIDSelector* lhs_sel,
        const FaissIDSelector* rhs_sel) {
    return guarded(__func__, [&] {
        const IDSelector& lhs = get<const IDSelector>(lhs_sel, "lhs_sel");
        const IDSelector& rhs = get<const IDSelector>(rhs_sel, "rhs_sel");
        put(p_sel, std::make_unique<faisslike::IDSelectorOr>(&lhs, &rhs), "p_sel");
    });
}

int faiss_IDSelectorXOr_new(
        FaissIDSelectorXOr** p_sel,
        const FaissIDSelector* lhs_sel,
        const FaissIDSelector* rhs_sel) {
    return guarded(__func__, [&] {
        const IDSelector& lhs = get<const IDSelector>(lhs_sel, "lhs_sel");
        const IDSelector& rhs = get<const IDSelector>(rhs_sel, "rhs_sel");
        put(p_sel, std::make_unique<faisslike::IDSelectorXOr>(&lhs, &rhs), "p_sel");
    });
}

} // extern "C"
