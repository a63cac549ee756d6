#include <faisslike/Index.h>

#include <cxxabi.h>

#include <cstdlib>
#include <cstring>
#include <memory>
#include <typeinfo>
#include <vector>

#include <faisslike/impl/FaisslikeException.h>
#include <faisslike/impl/RangeSearchResult.h>

namespace faisslike {

const char* metric_name(MetricType metric) {
    switch (metric) {
        case METRIC_INNER_PRODUCT:
            return "inner_product";
        case METRIC_L2:
            return "L2";
        case METRIC_L1:
            return "L1";
        case METRIC_Linf:
            return "Linf";
        case METRIC_Lp:
            return "Lp";
    }
    return "unknown";
}

Index::Index(idx_t d, MetricType metric)
        : d(int(d)),
          ntotal(0),
          verbose(false),
          is_trained(true),
          metric_type(metric),
          metric_arg(0) {
    FAISSLIKE_THROW_IF_NOT_FMT(
            d >= 0 && d <= (idx_t(1) << 30),
            "invalid dimension %lld",
            (long long)d);
}

Index::~Index() = default;

std::string Index::index_name() const {
    const char* mangled = typeid(*this).name();
    int status = 0;
    std::unique_ptr<char, void (*)(void*)> demangled(
            abi::__cxa_demangle(mangled, nullptr, nullptr, &status), std::free);
    std::string name = status == 0 && demangled ? demangled.get() : mangled;
    // Users know the class, not its namespace: keep the last component.
    size_t pos = name.rfind("::");
    if (pos != std::string::npos && name.find('<') == std::string::npos) {
        name.erase(0, pos + 2);
    }
    return name;
}

void Index::throw_not_supported(const char* what) const {
    throw FaisslikeException(format_string(
            "%s not implemented for this type of index: not supported by %s",
            what,
            index_name().c_str()));
}

void Index::check_search_args(
        idx_t n,
        const float* x,
        idx_t k,
        const float* distances,
        const idx_t* labels) const {
    FAISSLIKE_THROW_IF_NOT_FMT(n >= 0, "%s::search: n = %lld must be >= 0",
                               index_name().c_str(), (long long)n);
    FAISSLIKE_THROW_IF_NOT_FMT(k > 0, "%s::search: k = %lld must be > 0",
                               index_name().c_str(), (long long)k);
    if (n > 0) {
        FAISSLIKE_THROW_IF_NOT_FMT(
                x && distances && labels,
                "%s::search: null pointer for queries, distances or labels",
                index_name().c_str());
    }
}

void Index::check_add_args(idx_t n, const float* x) const {
    FAISSLIKE_THROW_IF_NOT_FMT(n >= 0, "%s::add: n = %lld must be >= 0",
                               index_name().c_str(), (long long)n);
    FAISSLIKE_THROW_IF_NOT_FMT(n == 0 || x, "%s::add: null vector pointer",
                               index_name().c_str());
    FAISSLIKE_THROW_IF_NOT_FMT(is_trained,
                               "%s is not trained: call train() before add()",
                               index_name().c_str());
}

void Index::check_key(idx_t key) const {
    FAISSLIKE_THROW_IF_NOT_FMT(
            key >= 0 && key < ntotal,
            "%s: id %lld out of range [0, %lld)",
            index_name().c_str(),
            (long long)key,
            (long long)ntotal);
}

void Index::train(idx_t n, const float* x) {
    FAISSLIKE_THROW_IF_NOT_MSG(n >= 0 && (n == 0 || x), "invalid training set");
}

void Index::add_with_ids(idx_t, const float*, const idx_t*) {
    throw FaisslikeException(format_string(
            "add_with_ids not implemented for this type of index: not supported by "
            "%s (wrap it in an IndexIDMap, factory prefix \"IDMap,\", to store ids)",
            index_name().c_str()));
}

void Index::range_search(
        idx_t,
        const float*,
        float,
        RangeSearchResult*,
        const SearchParameters*) const {
    throw_not_supported("range search");
}

void Index::assign(idx_t n, const float* x, idx_t* labels, idx_t k) const {
    FAISSLIKE_THROW_IF_NOT_FMT(k > 0, "assign: k = %lld must be > 0", (long long)k);
    FAISSLIKE_THROW_IF_NOT_FMT(n >= 0, "assign: n = %lld must be >= 0", (long long)n);
    std::vector<float> distances(size_t(n) * size_t(k));
    search(n, x, k, distances.data(), labels);
}

size_t Index::remove_ids(const IDSelector&) {
    throw_not_supported("remove_ids");
}

void Index::reconstruct(idx_t, float*) const {
    throw_not_supported("reconstruct");
}

void Index::reconstruct_batch(idx_t n, const idx_t* keys, float* recons) const {
    FAISSLIKE_THROW_IF_NOT_MSG(n >= 0, "reconstruct_batch: n must be >= 0");
    if (n == 0) {
        return;
    }
    FAISSLIKE_THROW_IF_NOT_MSG(keys && recons, "reconstruct_batch: null pointer");
    for (idx_t i = 0; i < n; i++) {
        reconstruct(keys[i], recons + size_t(i) * d);
    }
}

void Index::reconstruct_n(idx_t i0, idx_t ni, float* recons) const {
    FAISSLIKE_THROW_IF_NOT_FMT(
            ni >= 0 && i0 >= 0 && i0 + ni <= ntotal,
            "reconstruct_n: range [%lld, %lld) outside [0, %lld)",
            (long long)i0,
            (long long)(i0 + ni),
            (long long)ntotal);
    if (ni == 0) {
        return;
    }
    FAISSLIKE_THROW_IF_NOT_MSG(recons, "reconstruct_n: null output pointer");
    for (idx_t i = 0; i < ni; i++) {
        reconstruct(i0 + i, recons + size_t(i) * d);
    }
}

void Index::search_and_reconstruct(
        idx_t n,
        const float* x,
        idx_t k,
        float* distances,
        idx_t* labels,
        float* recons,
        const SearchParameters* params) const {
    check_search_args(n, x, k, distances, labels);
    FAISSLIKE_THROW_IF_NOT_MSG(n == 0 || recons, "search_and_reconstruct: null recons");
    search(n, x, k, distances, labels, params);
    for (idx_t i = 0; i < n * k; i++) {
        float* out = recons + size_t(i) * d;
        if (labels[i] < 0) {
            std::memset(out, 0xff, sizeof(float) * d);
        } else {
            reconstruct(labels[i], out);
        }
    }
}

void Index::compute_residual(const float* x, float* residual, idx_t key) const {
    reconstruct(key, residual);
    for (int j = 0; j < d; j++) {
        residual[j] = x[j] - residual[j];
    }
}

void Index::compute_residual_n(
        idx_t n,
        const float* xs,
        float* residuals,
        const idx_t* keys) const {
    for (idx_t i = 0; i < n; i++) {
        compute_residual(xs + size_t(i) * d, residuals + size_t(i) * d, keys[i]);
    }
}

size_t Index::sa_code_size() const {
    throw_not_supported("standalone codec");
}

void Index::sa_encode(idx_t, const float*, uint8_t*) const {
    throw_not_supported("standalone codec");
}

void Index::sa_decode(idx_t, const uint8_t*, float*) const {
    throw_not_supported("standalone codec");
}

void Index::merge_from(Index&, idx_t) {
    throw_not_supported("merge_from()");
}

void Index::check_compatible_for_merge(const Index&) const {
    throw_not_supported("check_compatible_for_merge()");
}

} // namespace faisslike
