#include <faisslike/IndexReplicas.h>

#include <algorithm>
#include <exception>
#include <thread>

#include <faisslike/impl/FaisslikeException.h>

namespace faisslike {

IndexReplicas::IndexReplicas(bool threaded) : Index(0), threaded(threaded) {}

IndexReplicas::IndexReplicas(idx_t d, bool threaded) : Index(d), threaded(threaded) {}

IndexReplicas::~IndexReplicas() {
    if (own_indices) {
        for (Index* r : replicas_) {
            delete r;
        }
    }
}

void IndexReplicas::addIndex(Index* index) {
    FAISSLIKE_THROW_IF_NOT_MSG(index, "IndexReplicas::addIndex: null index");
    if (replicas_.empty()) {
        if (d == 0) {
            d = index->d;
        }
        metric_type = index->metric_type;
        metric_arg = index->metric_arg;
    }
    FAISSLIKE_THROW_IF_NOT_FMT(index->d == d && index->metric_type == metric_type,
                               "IndexReplicas::addIndex: replica of dimension %d / %s, the "
                               "others have %d / %s",
                               index->d, metric_name(index->metric_type), d,
                               metric_name(metric_type));
    FAISSLIKE_THROW_IF_NOT_FMT(
            replicas_.empty() || index->ntotal == replicas_[0]->ntotal,
            "IndexReplicas::addIndex: replica with %lld vectors, the others have %lld",
            (long long)index->ntotal, (long long)replicas_[0]->ntotal);
    replicas_.push_back(index);
    sync_header();
}

void IndexReplicas::sync_header() {
    ntotal = replicas_.empty() ? 0 : replicas_[0]->ntotal;
    is_trained = replicas_.empty() ||
            std::all_of(replicas_.begin(), replicas_.end(),
                        [](const Index* r) { return r->is_trained; });
}

void IndexReplicas::train(idx_t n, const float* x) {
    for (Index* r : replicas_) {
        r->train(n, x);
    }
    sync_header();
}

void IndexReplicas::add(idx_t n, const float* x) {
    add_with_ids(n, x, nullptr);
}

void IndexReplicas::add_with_ids(idx_t n, const float* x, const idx_t* xids) {
    FAISSLIKE_THROW_IF_NOT_MSG(!replicas_.empty(), "IndexReplicas: no replica to add to");
    check_add_args(n, x);
    for (Index* r : replicas_) {
        if (xids) {
            r->add_with_ids(n, x, xids);
        } else {
            r->add(n, x);
        }
    }
    sync_header();
}

void IndexReplicas::search(idx_t n,
                           const float* x,
                           idx_t k,
                           float* distances,
                           idx_t* labels,
                           const SearchParameters* params) const {
    FAISSLIKE_THROW_IF_NOT_MSG(!replicas_.empty(), "IndexReplicas: no replica to search");
    check_search_args(n, x, k, distances, labels);
    const idx_t nr = idx_t(replicas_.size());
    const auto part = [&](idx_t r) {
        const idx_t i0 = n * r / nr, i1 = n * (r + 1) / nr;
        if (i1 > i0) {
            replicas_[size_t(r)]->search(i1 - i0, x + size_t(i0) * d, k,
                                         distances + size_t(i0 * k), labels + size_t(i0 * k),
                                         params);
        }
    };
    if (!threaded || nr == 1) {
        for (idx_t r = 0; r < nr; r++) {
            part(r);
        }
        return;
    }
    std::vector<std::exception_ptr> errors(static_cast<size_t>(nr));
    std::vector<std::thread> threads;
    for (idx_t r = 0; r < nr; r++) {
        threads.emplace_back([&, r] {
            try {
                part(r);
            } catch (...) {
                errors[size_t(r)] = std::current_exception();
            }
        });
    }
    for (auto& t : threads) {
        t.join();
    }
    for (auto& e : errors) {
        if (e) {
            std::rethrow_exception(e);
        }
    }
}

void IndexReplicas::reset() {
    for (Index* r : replicas_) {
        r->reset();
    }
    sync_header();
}

void IndexReplicas::reconstruct(idx_t key, float* recons) const {
    FAISSLIKE_THROW_IF_NOT_MSG(!replicas_.empty(), "IndexReplicas: no replica");
    replicas_[0]->reconstruct(key, recons);
}

} // namespace faisslike
