#include <faisslike/IndexRefine.h>

#include <cmath>
#include <memory>
#include <vector>

#include <faisslike/IndexFlat.h>
#include <faisslike/impl/FaisslikeException.h>
#include <faisslike/impl/IDSelector.h>
#include <faisslike/utils/Heap.h>
#include <faisslike/utils/distances.h>
#include <faisslike/utils/parallel.h>

namespace faisslike {

IndexRefine::IndexRefine(Index* base_index, Index* refine_index)
        : Index(base_index ? base_index->d : 0, base_index ? base_index->metric_type : METRIC_L2),
          base_index(base_index),
          refine_index(refine_index) {
    FAISSLIKE_THROW_IF_NOT_MSG(base_index && refine_index, "IndexRefine: null index");
    FAISSLIKE_THROW_IF_NOT_MSG(refine_index->d == base_index->d,
                               "IndexRefine: base and refine indexes have different dimensions");
    FAISSLIKE_THROW_IF_NOT_MSG(base_index->ntotal == refine_index->ntotal,
                               "IndexRefine: base and refine indexes hold different numbers of vectors");
    is_trained = base_index->is_trained && refine_index->is_trained;
    ntotal = base_index->ntotal;
}

IndexRefine::IndexRefine() : base_index(nullptr), refine_index(nullptr) {}

IndexRefine::~IndexRefine() {
    if (own_fields) {
        delete base_index;
    }
    if (own_refine_index) {
        delete refine_index;
    }
}

void IndexRefine::train(idx_t n, const float* x) {
    base_index->train(n, x);
    refine_index->train(n, x);
    is_trained = true;
}

void IndexRefine::add(idx_t n, const float* x) {
    check_add_args(n, x);
    idx_t before = base_index->ntotal;
    base_index->add(n, x);
    try {
        refine_index->add(n, x);
    } catch (...) {
        // Keep both indexes in step: take the batch back out of the base where
        // the base supports removal (the original error is what the caller needs).
        try {
            IDSelectorRange added(before, before + n);
            base_index->remove_ids(added);
        } catch (const FaisslikeException&) {
        }
        throw;
    }
    ntotal = base_index->ntotal;
}

void IndexRefine::reset() {
    base_index->reset();
    refine_index->reset();
    ntotal = 0;
}

void IndexRefine::search(idx_t n, const float* x, idx_t k, float* distances, idx_t* labels,
                         const SearchParameters* params) const {
    check_search_args(n, x, k, distances, labels);
    FAISSLIKE_THROW_IF_NOT_MSG(is_trained, "IndexRefine is not trained: call train() first");
    float factor = k_factor;
    const SearchParameters* base_params = params;
    std::unique_ptr<SearchParameters> with_sel;
    if (const auto* rp = dynamic_cast<const IndexRefineSearchParameters*>(params)) {
        factor = rp->k_factor;
        base_params = rp->base_index_params;
        if (rp->sel && !(base_params && base_params->sel)) {
            // The selector of the refine parameters applies to the base search.
            with_sel.reset(base_params ? base_params->clone() : new SearchParameters());
            with_sel->sel = rp->sel;
            base_params = with_sel.get();
        }
    }
    FAISSLIKE_THROW_IF_NOT_FMT(factor >= 1, "IndexRefine: k_factor %g must be >= 1", double(factor));
    if (n == 0) {
        return;
    }
    const idx_t k_base = std::max(k, idx_t(std::ceil(double(k) * factor)));
    std::vector<float> base_dis(size_t(n) * k_base);
    std::vector<idx_t> base_ids(size_t(n) * k_base);
    base_index->search(n, x, k_base, base_dis.data(), base_ids.data(), base_params);

    const auto* flat = dynamic_cast<const IndexFlat*>(refine_index);
    const bool ip = metric_type == METRIC_INNER_PRODUCT;
    ParallelExceptions errors;
#pragma omp parallel
    {
        std::vector<float> buffer(d);
#pragma omp for schedule(dynamic, 16)
        for (idx_t i = 0; i < n; i++) {
            errors.run([&] {
                const float* q = x + size_t(i) * d;
                float* hd = distances + size_t(i) * k;
                idx_t* hi = labels + size_t(i) * k;
                auto refine = [&](auto heap_type) {
                    using C = decltype(heap_type);
                    heap_heapify<C>(size_t(k), hd, hi);
                    for (idx_t j = 0; j < k_base; j++) {
                        idx_t id = base_ids[size_t(i) * k_base + j];
                        if (id < 0) {
                            continue;
                        }
                        const float* v;
                        if (flat) {
                            FAISSLIKE_THROW_IF_NOT_FMT(id < flat->ntotal, "IndexRefine: id %lld beyond the refine index",
                                                       (long long)id);
                            v = flat->get_xb() + size_t(id) * d;
                        } else {
                            refine_index->reconstruct(id, buffer.data());
                            v = buffer.data();
                        }
                        float dis = ip ? fvec_inner_product(q, v, d) : fvec_L2sqr(q, v, d);
                        heap_offer<C>(size_t(k), hd, hi, dis, id);
                    }
                    heap_reorder<C>(size_t(k), hd, hi);
                };
                if (ip) {
                    refine(float_minheap());
                } else {
                    refine(float_maxheap());
                }
            });
        }
    }
    errors.rethrow_if_failed();
}

void IndexRefine::reconstruct(idx_t key, float* recons) const {
    refine_index->reconstruct(key, recons);
}

size_t IndexRefine::sa_code_size() const {
    return base_index->sa_code_size() + refine_index->sa_code_size();
}

void IndexRefine::sa_encode(idx_t n, const float* x, uint8_t* bytes) const {
    size_t cs1 = base_index->sa_code_size(), cs2 = refine_index->sa_code_size();
    std::vector<uint8_t> c1(size_t(n) * cs1), c2(size_t(n) * cs2);
    base_index->sa_encode(n, x, c1.data());
    refine_index->sa_encode(n, x, c2.data());
    for (idx_t i = 0; i < n; i++) {
        std::copy(c1.begin() + i * cs1, c1.begin() + (i + 1) * cs1, bytes + size_t(i) * (cs1 + cs2));
        std::copy(c2.begin() + i * cs2, c2.begin() + (i + 1) * cs2, bytes + size_t(i) * (cs1 + cs2) + cs1);
    }
}

void IndexRefine::sa_decode(idx_t n, const uint8_t* bytes, float* x) const {
    // The refine part is the more precise one: decode from it.
    size_t cs1 = base_index->sa_code_size(), cs2 = refine_index->sa_code_size();
    std::vector<uint8_t> c2(size_t(n) * cs2);
    for (idx_t i = 0; i < n; i++) {
        std::copy(bytes + size_t(i) * (cs1 + cs2) + cs1, bytes + size_t(i + 1) * (cs1 + cs2),
                  c2.begin() + i * cs2);
    }
    refine_index->sa_decode(n, c2.data(), x);
}

namespace {

/// The exact refine index for base, checked before anything is allocated.
Index* new_refine_flat(const Index* base) {
    FAISSLIKE_THROW_IF_NOT_MSG(base, "IndexRefineFlat: null base index");
    FAISSLIKE_THROW_IF_NOT_MSG(base->ntotal == 0, "IndexRefineFlat: the base index must be empty");
    return new IndexFlat(base->d, base->metric_type);
}

} // namespace

IndexRefineFlat::IndexRefineFlat(Index* base_index)
        : IndexRefine(base_index, new_refine_flat(base_index)) {
    own_refine_index = true;
}

IndexRefineFlat::IndexRefineFlat() = default;

} // namespace faisslike
