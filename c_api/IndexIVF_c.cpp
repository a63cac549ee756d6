#include "IndexIVF_c.h"

#include <cstdio>
#include <cstring>
#include <vector>

#include <faisslike/IndexIVF.h>

#include "c_api_impl.h"

using faisslike::IndexIVF;
using faisslike::SearchParametersIVF;
using faisslike_c::get;
using faisslike_c::guarded;
using faisslike_c::require;

namespace {

void check_list_no(const IndexIVF& ivf, size_t list_no) {
    if (!ivf.invlists) {
        throw faisslike_c::ApiError{"the index has no inverted lists"};
    }
    if (list_no >= ivf.nlist) {
        throw faisslike_c::ApiError{"list number " + std::to_string(list_no) +
                                    " is out of range [0, nlist = " + std::to_string(ivf.nlist) +
                                    ")"};
    }
}

} // namespace

extern "C" {

FAISSLIKE_C_DESTRUCTOR(SearchParametersIVF)
FAISSLIKE_C_SEARCH_PARAMETERS_DOWNCAST(SearchParametersIVF, SearchParametersIVF)

int faiss_SearchParametersIVF_new(FaissSearchParametersIVF** p_sp) {
    return guarded(__func__, [&] {
        faisslike_c::put(p_sp, std::make_unique<SearchParametersIVF>(), "p_sp");
    });
}

int faiss_SearchParametersIVF_new_with(
        FaissSearchParametersIVF** p_sp,
        FaissIDSelector* sel,
        size_t nprobe,
        size_t max_codes) {
    return guarded(__func__, [&] {
        auto params = std::make_unique<SearchParametersIVF>();
        params->sel = faisslike_c::root(sel);
        params->nprobe = nprobe;
        params->max_codes = max_codes;
        faisslike_c::put(p_sp, std::move(params), "p_sp");
    });
}

const FaissIDSelector* faiss_SearchParametersIVF_sel(const FaissSearchParametersIVF* params) {
    const SearchParametersIVF* p = faisslike_c::as<const SearchParametersIVF>(params);
    return p ? faisslike_c::handle<FaissIDSelector>(p->sel) : nullptr;
}

FAISSLIKE_C_GETTER_SETTER(SearchParametersIVF, SearchParametersIVF, size_t, nprobe, nprobe)
FAISSLIKE_C_GETTER_SETTER(SearchParametersIVF, SearchParametersIVF, size_t, max_codes, max_codes)

FAISSLIKE_C_DESTRUCTOR(IndexIVF)
FAISSLIKE_C_INDEX_DOWNCAST(IndexIVF, IndexIVF)

FAISSLIKE_C_GETTER(IndexIVF, IndexIVF, size_t, nlist, nlist)
FAISSLIKE_C_GETTER_SETTER(IndexIVF, IndexIVF, size_t, nprobe, nprobe)
FAISSLIKE_C_GETTER(IndexIVF, IndexIVF, char, quantizer_trains_alone, quantizer_trains_alone)
FAISSLIKE_C_GETTER_SETTER(IndexIVF, IndexIVF, int, own_fields, own_fields)

FaissIndex* faiss_IndexIVF_quantizer(const FaissIndexIVF* index) {
    const IndexIVF* ivf = faisslike_c::as<const IndexIVF>(index);
    return ivf ? faisslike_c::handle<FaissIndex>(ivf->quantizer) : nullptr;
}

int faiss_IndexIVF_merge_from(FaissIndexIVF* index, FaissIndexIVF* other, idx_t add_id) {
    return guarded(__func__, [&] {
        auto& dst = get<IndexIVF>(index, "index");
        dst.merge_from(get<IndexIVF>(other, "other"), add_id);
    });
}

int faiss_IndexIVF_search_preassigned(
        const FaissIndexIVF* index,
        idx_t n,
        const float* x,
        idx_t k,
        const idx_t* assign,
        const float* centroid_dis,
        float* distances,
        idx_t* labels,
        int store_pairs) {
    return guarded(__func__, [&] {
        const auto& ivf = get<const IndexIVF>(index, "index");
        if (n > 0) {
            require(assign, "assign");
            require(centroid_dis, "centroid_dis");
        }
        ivf.search_preassigned(
                n, x, k, assign, centroid_dis, distances, labels, store_pairs != 0);
    });
}

size_t faiss_IndexIVF_get_list_size(const FaissIndexIVF* index, size_t list_no) {
    return faisslike_c::quiet(__func__, size_t(0), [&] {
        const auto& ivf = get<const IndexIVF>(index, "index");
        check_list_no(ivf, list_no);
        return ivf.get_list_size(list_no);
    });
}

int faiss_IndexIVF_make_direct_map(FaissIndexIVF* index, int new_maintain_direct_map) {
    return guarded(__func__, [&] {
        get<IndexIVF>(index, "index").make_direct_map(new_maintain_direct_map != 0);
    });
}

double faiss_IndexIVF_imbalance_factor(const FaissIndexIVF* index) {
    return faisslike_c::quiet(__func__, 0.0, [&] {
        const auto& ivf = get<const IndexIVF>(index, "index");
        if (!ivf.invlists) {
            throw faisslike_c::ApiError{"the index has no inverted lists"};
        }
        return ivf.invlists->imbalance_factor();
    });
}

void faiss_IndexIVF_print_stats(const FaissIndexIVF* index) {
    faisslike_c::quiet_void(__func__, [&] {
        const auto& ivf = get<const IndexIVF>(index, "index");
        if (!ivf.invlists) {
            throw faisslike_c::ApiError{"the index has no inverted lists"};
        }
        // Lists counted by size, in power-of-two ranges.
        std::vector<size_t> histogram;
        for (size_t l = 0; l < ivf.nlist; l++) {
            size_t size = ivf.invlists->list_size(l);
            size_t bucket = 0;
            while (size >> bucket) {
                bucket++;
            }
            if (histogram.size() <= bucket) {
                histogram.resize(bucket + 1);
            }
            histogram[bucket]++;
        }
        std::printf("%zu lists, %lld vectors, imbalance factor %g\n", ivf.nlist,
                    (long long)ivf.ntotal, ivf.invlists->imbalance_factor());
        for (size_t b = 0; b < histogram.size(); b++) {
            if (histogram[b] > 0) {
                size_t lo = b == 0 ? 0 : size_t(1) << (b - 1);
                size_t hi = size_t(1) << b;
                std::printf("  lists of size [%zu, %zu): %zu\n", lo, hi, histogram[b]);
            }
        }
    });
}

void faiss_IndexIVF_invlists_get_ids(const FaissIndexIVF* index, size_t list_no, idx_t* invlist) {
    faisslike_c::quiet_void(__func__, [&] {
        const auto& ivf = get<const IndexIVF>(index, "index");
        check_list_no(ivf, list_no);
        size_t size = ivf.invlists->list_size(list_no);
        if (size > 0) {
            require(invlist, "invlist");
            std::memcpy(invlist, ivf.invlists->get_ids(list_no), size * sizeof(idx_t));
        }
    });
}

int faiss_IndexIVF_train_encoder(FaissIndexIVF* index, idx_t n, const float* x, const idx_t* assign) {
    return guarded(__func__, [&] {
        auto& ivf = get<IndexIVF>(index, "index");
        if (n < 0) {
            throw faisslike_c::ApiError{"n = " + std::to_string(n) + " must be >= 0"};
        }
        if (n > 0) {
            require(x, "x");
        }
        ivf.train_encoder(n, x, assign);
    });
}

} // extern "C"
