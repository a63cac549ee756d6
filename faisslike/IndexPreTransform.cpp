#include <faisslike/IndexPreTransform.h>

#include <cstdio>
#include <cstring>
#include <typeinfo>

#include <faisslike/impl/FaisslikeException.h>
#include <faisslike/impl/RangeSearchResult.h>

namespace faisslike {

IndexPreTransform::IndexPreTransform(Index* index)
        : Index(index ? index->d : 0, index ? index->metric_type : METRIC_L2),
          index(index),
          own_fields(false) {
    FAISSLIKE_THROW_IF_NOT_MSG(index, "IndexPreTransform: null index");
    is_trained = index->is_trained;
    ntotal = index->ntotal;
}

IndexPreTransform::IndexPreTransform(VectorTransform* ltrans, Index* index)
        : IndexPreTransform(index) {
    prepend_transform(ltrans);
}

IndexPreTransform::IndexPreTransform() : index(nullptr), own_fields(false) {}

IndexPreTransform::~IndexPreTransform() {
    if (own_fields) {
        for (auto* t : chain) {
            delete t;
        }
        delete index;
    }
}

void IndexPreTransform::prepend_transform(VectorTransform* ltrans) {
    FAISSLIKE_THROW_IF_NOT_MSG(ltrans, "IndexPreTransform: null transform");
    FAISSLIKE_THROW_IF_NOT_FMT(
            ltrans->d_out == d,
            "IndexPreTransform: transform output dimension %d does not match %d",
            ltrans->d_out, d);
    chain.insert(chain.begin(), ltrans);
    d = ltrans->d_in;
    is_trained = is_trained && ltrans->is_trained;
}

std::vector<float> IndexPreTransform::apply_chain(idx_t n, const float* x) const {
    std::vector<float> cur(x, x + size_t(n) * d), next;
    for (const auto* t : chain) {
        next.resize(size_t(n) * t->d_out);
        t->apply_noalloc(n, cur.data(), next.data());
        cur.swap(next);
    }
    return cur;
}

void IndexPreTransform::reverse_chain(idx_t n, const float* xt, float* x) const {
    std::vector<float> cur(xt, xt + size_t(n) * index->d), prev;
    for (size_t i = chain.size(); i-- > 0;) {
        prev.resize(size_t(n) * chain[i]->d_in);
        chain[i]->reverse_transform(n, cur.data(), prev.data());
        cur.swap(prev);
    }
    std::memcpy(x, cur.data(), sizeof(float) * cur.size());
}

void IndexPreTransform::train(idx_t n, const float* x) {
    FAISSLIKE_THROW_IF_NOT_MSG(index, "IndexPreTransform: no index");
    FAISSLIKE_THROW_IF_NOT_MSG(n >= 0 && (n == 0 || x), "IndexPreTransform::train: invalid training set");
    // Each transform is trained on the output of the previous ones.
    std::vector<float> cur(x, x + size_t(n) * d), next;
    for (auto* t : chain) {
        if (!t->is_trained) {
            if (verbose) {
                std::printf("IndexPreTransform: training transform %s %d -> %d\n",
                            typeid(*t).name(), t->d_in, t->d_out);
            }
            t->train(n, cur.data());
        }
        next.resize(size_t(n) * t->d_out);
        t->apply_noalloc(n, cur.data(), next.data());
        cur.swap(next);
    }
    index->train(n, cur.data());
    is_trained = true;
}

void IndexPreTransform::add(idx_t n, const float* x) {
    check_add_args(n, x);
    auto xt = apply_chain(n, x);
    index->add(n, xt.data());
    ntotal = index->ntotal;
}

void IndexPreTransform::add_with_ids(idx_t n, const float* x, const idx_t* xids) {
    check_add_args(n, x);
    auto xt = apply_chain(n, x);
    index->add_with_ids(n, xt.data(), xids);
    ntotal = index->ntotal;
}

void IndexPreTransform::reset() {
    index->reset();
    ntotal = 0;
}

size_t IndexPreTransform::remove_ids(const IDSelector& sel) {
    size_t nremove = index->remove_ids(sel);
    ntotal = index->ntotal;
    return nremove;
}

void IndexPreTransform::search(idx_t n, const float* x, idx_t k, float* distances, idx_t* labels,
                               const SearchParameters* params) const {
    check_search_args(n, x, k, distances, labels);
    FAISSLIKE_THROW_IF_NOT_MSG(is_trained, "IndexPreTransform is not trained: call train() first");
    auto xt = apply_chain(n, x);
    index->search(n, xt.data(), k, distances, labels, params);
}

void IndexPreTransform::range_search(idx_t n, const float* x, float radius, RangeSearchResult* result,
                                     const SearchParameters* params) const {
    FAISSLIKE_THROW_IF_NOT_MSG(n >= 0 && (n == 0 || x), "range_search: invalid queries");
    FAISSLIKE_THROW_IF_NOT_MSG(is_trained, "IndexPreTransform is not trained: call train() first");
    auto xt = apply_chain(n, x);
    index->range_search(n, xt.data(), radius, result, params);
}

void IndexPreTransform::reconstruct(idx_t key, float* recons) const {
    std::vector<float> xt(index->d);
    index->reconstruct(key, xt.data());
    reverse_chain(1, xt.data(), recons);
}

void IndexPreTransform::reconstruct_n(idx_t i0, idx_t ni, float* recons) const {
    std::vector<float> xt(size_t(ni) * index->d);
    index->reconstruct_n(i0, ni, xt.data());
    reverse_chain(ni, xt.data(), recons);
}

void IndexPreTransform::search_and_reconstruct(idx_t n, const float* x, idx_t k, float* distances,
                                               idx_t* labels, float* recons,
                                               const SearchParameters* params) const {
    check_search_args(n, x, k, distances, labels);
    auto xt = apply_chain(n, x);
    std::vector<float> recons_t(size_t(n) * k * index->d);
    index->search_and_reconstruct(n, xt.data(), k, distances, labels, recons_t.data(), params);
    reverse_chain(n * k, recons_t.data(), recons);
}

size_t IndexPreTransform::sa_code_size() const {
    return index->sa_code_size();
}

void IndexPreTransform::sa_encode(idx_t n, const float* x, uint8_t* bytes) const {
    auto xt = apply_chain(n, x);
    index->sa_encode(n, xt.data(), bytes);
}

void IndexPreTransform::sa_decode(idx_t n, const uint8_t* bytes, float* x) const {
    std::vector<float> xt(size_t(n) * index->d);
    index->sa_decode(n, bytes, xt.data());
    reverse_chain(n, xt.data(), x);
}

void IndexPreTransform::check_compatible_for_merge(const Index& otherIndex) const {
    const auto* other = dynamic_cast<const IndexPreTransform*>(&otherIndex);
    FAISSLIKE_THROW_IF_NOT_MSG(other && other->chain.size() == chain.size(),
                               "cannot merge: different pre-transform chains");
    for (size_t i = 0; i < chain.size(); i++) {
        chain[i]->check_identical(*other->chain[i]);
    }
    index->check_compatible_for_merge(*other->index);
}

void IndexPreTransform::merge_from(Index& otherIndex, idx_t add_id) {
    check_compatible_for_merge(otherIndex);
    auto& other = static_cast<IndexPreTransform&>(otherIndex);
    index->merge_from(*other.index, add_id);
    ntotal = index->ntotal;
    other.ntotal = other.index->ntotal;
}

} // namespace faisslike
