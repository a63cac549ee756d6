#include <faisslike/impl/ScalarQuantizer.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include <faisslike/impl/FaisslikeException.h>
#include <faisslike/impl/InterruptCallback.h>
#include <faisslike/impl/ScalarQuantizerCodec.h>
#include <faisslike/utils/parallel.h>

namespace faisslike {

using sq_codec::ComponentKind;

namespace {

using QT = ScalarQuantizer::QuantizerType;

bool is_uniform(QT qtype) {
    return qtype == QT::QT_8bit_uniform || qtype == QT::QT_4bit_uniform;
}

bool has_ranges(QT qtype) {
    return qtype == QT::QT_8bit || qtype == QT::QT_4bit || qtype == QT::QT_6bit ||
            is_uniform(qtype);
}

ComponentKind component_kind(QT qtype) {
    switch (qtype) {
        case QT::QT_4bit:
        case QT::QT_4bit_uniform:
            return ComponentKind::U4;
        case QT::QT_6bit:
            return ComponentKind::U6;
        case QT::QT_fp16:
            return ComponentKind::FP16;
        case QT::QT_bf16:
            return ComponentKind::BF16;
        default:
            return ComponentKind::U8;
    }
}

/// 0 for a value that is not a QuantizerType.
size_t bits_per_component(QT qtype) {
    switch (qtype) {
        case QT::QT_8bit:
        case QT::QT_8bit_uniform:
        case QT::QT_8bit_direct:
        case QT::QT_8bit_direct_signed:
            return 8;
        case QT::QT_4bit:
        case QT::QT_4bit_uniform:
            return 4;
        case QT::QT_6bit:
            return 6;
        case QT::QT_fp16:
        case QT::QT_bf16:
            return 16;
    }
    return 0;
}

/*********************************************************** training */

/// A range [vmin, vmin + vdiff] for n values read `stride` floats apart.
struct Range {
    float vmin = 0;
    float vdiff = 0;
};

Range range_minmax(size_t n, const float* x, size_t stride, float rs) {
    float vmin = x[0], vmax = x[0];
    for (size_t i = 1; i < n; i++) {
        vmin = std::min(vmin, x[i * stride]);
        vmax = std::max(vmax, x[i * stride]);
    }
    float vexp = (vmax - vmin) * rs;
    vmin -= vexp;
    vmax += vexp;
    return {vmin, vmax - vmin};
}

Range range_meanstd(size_t n, const float* x, size_t stride, float rs) {
    double sum = 0, sum2 = 0;
    for (size_t i = 0; i < n; i++) {
        double v = x[i * stride];
        sum += v;
        sum2 += v * v;
    }
    float mean = float(sum / double(n));
    float var = float(sum2 / double(n) - double(mean) * mean);
    float std = var <= 0 ? 1.0f : std::sqrt(var);
    float vmin = mean - std * rs;
    float vmax = mean + std * rs;
    return {vmin, vmax - vmin};
}

Range range_quantiles(size_t n, const float* x, size_t stride, float rs) {
    std::vector<float> v(n);
    for (size_t i = 0; i < n; i++) {
        v[i] = x[i * stride];
    }
    // Skip the `skip` smallest and largest values (at most half of them). The
    // product is taken in float, as Faiss does, so that both skip the same count.
    float want = rs * float(n);
    size_t skip = want > 0 ? size_t(want) : 0;
    if (skip > n - skip) {
        skip = n / 2;
    }
    std::nth_element(v.begin(), v.begin() + skip, v.end());
    float vmin = v[skip];
    std::nth_element(v.begin(), v.begin() + (n - 1 - skip), v.end());
    float vmax = v[n - 1 - skip];
    return {vmin, vmax - vmin};
}

/// Alternates between assigning each value to the nearest of `k` evenly spaced
/// levels b + a * i and refitting (a, b) by least squares, until the error
/// stops changing.
Range range_optim(size_t n, const float* x, size_t stride, int k) {
    float vmin = x[0], vmax = x[0];
    double sx = 0;
    for (size_t i = 0; i < n; i++) {
        vmin = std::min(vmin, x[i * stride]);
        vmax = std::max(vmax, x[i * stride]);
        sx += x[i * stride];
    }
    if (vmax == vmin) {
        return {vmin, 0};
    }
    double b = vmin, a = (double(vmax) - vmin) / (k - 1);
    double last_err = -1;
    int unchanged = 0;
    // Up to 2000 passes over the values: the one long part of training.
    InterruptPoll poll(n * 10);
    for (int iter = 0; iter < 2000; iter++) {
        poll.tick();
        double sn = 0, sn2 = 0, sxn = 0, err = 0;
        for (size_t i = 0; i < n; i++) {
            double xi = x[i * stride];
            double ni = std::floor((xi - b) / a + 0.5);
            ni = std::min(std::max(ni, 0.0), double(k - 1));
            double e = xi - (ni * a + b);
            err += e * e;
            sn += ni;
            sn2 += ni * ni;
            sxn += ni * xi;
        }
        if (err == last_err) {
            if (++unchanged == 16) {
                break;
            }
        } else {
            last_err = err;
            unchanged = 0;
        }
        double det = double(n) * sn2 - sn * sn;
        if (det == 0) {
            break; // every value on one level: nothing left to fit
        }
        double na = (double(n) * sxn - sn * sx) / det;
        double nb = (sn2 * sx - sn * sxn) / det;
        if (!(na > 0) || !std::isfinite(nb)) {
            break;
        }
        a = na;
        b = nb;
    }
    return {float(b), float(a * (k - 1))};
}

Range train_range(ScalarQuantizer::RangeStat rs, float rs_arg, int k, size_t n,
                  const float* x, size_t stride) {
    switch (rs) {
        case ScalarQuantizer::RS_minmax:
            return range_minmax(n, x, stride, rs_arg);
        case ScalarQuantizer::RS_meanstd:
            return range_meanstd(n, x, stride, rs_arg);
        case ScalarQuantizer::RS_quantiles:
            return range_quantiles(n, x, stride, rs_arg);
        case ScalarQuantizer::RS_optim:
            return range_optim(n, x, stride, k);
    }
    FAISSLIKE_THROW_FMT("ScalarQuantizer: invalid rangestat %d", int(rs));
}

/*********************************************************** encoding */

// GCC turns the selects of compute_levels into vector blends only when FP
// compares may not trap, which nothing here relies on; clang does by default.
#if defined(__GNUC__) && !defined(__clang__)
#define FAISSLIKE_SQ_NO_TRAPPING_MATH __attribute__((optimize("no-trapping-math")))
#else
#define FAISSLIKE_SQ_NO_TRAPPING_MATH
#endif

/// Levels of components [0, n) on an n-bit grid over [vmin, vmin + vdiff],
/// as Faiss computes them: clamp (x - vmin) / vdiff to [0, 1] (0 when vdiff
/// is 0, and for NaN), then truncate its product by 2^n - 1, taken in float
/// for 8 bits and in double for 4 and 6 bits. Written with selects so that
/// the loop vectorises; dividing by 1 instead of 0 changes no result.
template <int NBITS, bool UNIFORM>
FAISSLIKE_SQ_NO_TRAPPING_MATH void compute_levels(
        size_t n, const float* x, const float* vmin, const float* vdiff, uint8_t* levels) {
    for (size_t i = 0; i < n; i++) {
        const float lo = vmin[UNIFORM ? 0 : i];
        const float diff = vdiff[UNIFORM ? 0 : i];
        float xi = (x[i] - lo) / (diff != 0 ? diff : 1.0f);
        xi = xi >= 0 ? xi : 0.0f; // also NaN
        xi = xi > 1 ? 1.0f : xi;
        xi = diff != 0 ? xi : 0.0f;
        if constexpr (NBITS == 8) {
            levels[i] = uint8_t(int(255 * xi));
        } else {
            levels[i] = uint8_t(int(xi * double((1 << NBITS) - 1)));
        }
    }
}

/// Integer value truncated toward zero and clamped to [0, 255] (NaN gives 0).
inline uint8_t clamp_byte(float x) {
    if (!(x >= 0)) {
        return 0;
    }
    return x >= 255 ? uint8_t(255) : uint8_t(x);
}

template <int NBITS>
void encode_levels(const ScalarQuantizer& sq, const float* x, uint8_t* code) {
    const size_t d = sq.d;
    const float* vmin = sq.trained.data();
    const float* vdiff = sq.trained.data() + (is_uniform(sq.qtype) ? 1 : d);
    auto levels = [&](size_t i0, size_t n, uint8_t* out) {
        if (is_uniform(sq.qtype)) {
            compute_levels<NBITS, true>(n, x + i0, vmin, vdiff, out);
        } else {
            compute_levels<NBITS, false>(n, x + i0, vmin + i0, vdiff + i0, out);
        }
    };
    if constexpr (NBITS == 8) {
        levels(0, d, code);
        return;
    }
    // LSB-first bit packing: the 4-bit layout puts the even component in the
    // low nibble, the 6-bit one packs 4 components into 3 bytes. Chunks of a
    // multiple of 8 components start on a byte boundary.
    constexpr size_t kChunk = 256;
    uint8_t lv[kChunk];
    std::memset(code, 0, sq.code_size);
    for (size_t i0 = 0; i0 < d; i0 += kChunk) {
        const size_t n = std::min(kChunk, d - i0);
        levels(i0, n, lv);
        uint8_t* out = code + i0 * NBITS / 8;
        for (size_t i = 0; i < n; i++) {
            size_t bit = i * NBITS;
            unsigned shifted = unsigned(lv[i]) << (bit % 8);
            out[bit / 8] |= uint8_t(shifted);
            if (bit % 8 + NBITS > 8) {
                out[bit / 8 + 1] |= uint8_t(shifted >> 8);
            }
        }
    }
}

void encode_vector(const ScalarQuantizer& sq, const float* x, uint8_t* code) {
    const size_t d = sq.d;
    switch (sq.qtype) {
        case QT::QT_8bit:
        case QT::QT_8bit_uniform:
            encode_levels<8>(sq, x, code);
            break;
        case QT::QT_4bit:
        case QT::QT_4bit_uniform:
            encode_levels<4>(sq, x, code);
            break;
        case QT::QT_6bit:
            encode_levels<6>(sq, x, code);
            break;
        case QT::QT_8bit_direct:
            for (size_t i = 0; i < d; i++) {
                code[i] = clamp_byte(x[i]);
            }
            break;
        case QT::QT_8bit_direct_signed:
            for (size_t i = 0; i < d; i++) {
                code[i] = clamp_byte(x[i] + 128);
            }
            break;
        case QT::QT_fp16:
            for (size_t i = 0; i < d; i++) {
                uint16_t h = sq_codec::encode_fp16(x[i]);
                std::memcpy(code + 2 * i, &h, sizeof(h));
            }
            break;
        case QT::QT_bf16:
            for (size_t i = 0; i < d; i++) {
                uint16_t h = sq_codec::encode_bf16(x[i]);
                std::memcpy(code + 2 * i, &h, sizeof(h));
            }
            break;
    }
}

void decode_vector(const ScalarQuantizer& sq, const uint8_t* code, float* x) {
    const size_t d = sq.d;
    const ComponentKind kind = component_kind(sq.qtype);
    if (has_ranges(sq.qtype)) {
        const bool uniform = is_uniform(sq.qtype);
        const float* vmin = sq.trained.data();
        const float* vdiff = sq.trained.data() + (uniform ? 1 : d);
        const float top = float((1u << sq.bits) - 1);
        for (size_t i = 0; i < d; i++) {
            size_t r = uniform ? 0 : i;
            float xi = (sq_codec::component_value(kind, code, i) + 0.5f) / top;
            x[i] = vmin[r] + xi * vdiff[r];
        }
        return;
    }
    // No offset added to the others: -0 + 0 would turn a stored -0 into +0.
    const bool is_signed = sq.qtype == QT::QT_8bit_direct_signed;
    for (size_t i = 0; i < d; i++) {
        float v = sq_codec::component_value(kind, code, i);
        x[i] = is_signed ? v - 128.0f : v;
    }
}

/*********************************************************** distances */

/// Distances in the folded form of ScalarQuantizerCodec.h: the decoded
/// component i is offset[i] + scale[i] * v_i.
class SQDistanceComputerImpl final : public ScalarQuantizer::SQDistanceComputer {
   public:
    SQDistanceComputerImpl(const ScalarQuantizer& sq, MetricType metric)
            : kernels_(sq_codec::kernels_for(component_kind(sq.qtype))),
              d_(sq.d),
              code_size_(sq.code_size),
              inner_product_(metric == METRIC_INNER_PRODUCT),
              offset_(sq.d, 0.0f),
              scale_(sq.d, 1.0f),
              prepared_(sq.d, 0.0f) {
        if (has_ranges(sq.qtype)) {
            const bool uniform = is_uniform(sq.qtype);
            const float top = float((1u << sq.bits) - 1);
            for (size_t i = 0; i < d_; i++) {
                size_t r = uniform ? 0 : i;
                float vmin = sq.trained[r];
                float vdiff = sq.trained[(uniform ? 1 : d_) + r];
                scale_[i] = vdiff / top;
                offset_[i] = vmin + 0.5f * scale_[i];
            }
        } else if (sq.qtype == QT::QT_8bit_direct_signed) {
            std::fill(offset_.begin(), offset_.end(), -128.0f);
        }
    }

    void set_query(const float* x) override {
        if (inner_product_) {
            double base = 0;
            for (size_t i = 0; i < d_; i++) {
                prepared_[i] = x[i] * scale_[i];
                base += double(x[i]) * offset_[i];
            }
            base_ = float(base);
        } else {
            for (size_t i = 0; i < d_; i++) {
                prepared_[i] = x[i] - offset_[i];
            }
        }
    }

    float query_to_code(const uint8_t* code) const override {
        float dis;
        query_to_codes(1, code, &dis);
        return dis;
    }

    void query_to_codes(size_t n, const uint8_t* codes, float* dis) const override {
        if (inner_product_) {
            kernels_.ip(prepared_.data(), base_, d_, codes, code_size_, n, dis);
        } else {
            kernels_.l2(prepared_.data(), scale_.data(), d_, codes, code_size_, n, dis);
        }
    }

   private:
    const sq_codec::Kernels& kernels_;
    size_t d_;
    size_t code_size_;
    bool inner_product_;
    std::vector<float> offset_;
    std::vector<float> scale_;
    std::vector<float> prepared_; ///< q - offset (L2) or q * scale (IP)
    float base_ = 0;              ///< <q, offset> (IP)
};

} // namespace

/*********************************************************** ScalarQuantizer */

ScalarQuantizer::ScalarQuantizer(size_t d, QuantizerType qtype) : qtype(qtype), d(d) {
    set_derived_sizes();
}

ScalarQuantizer::ScalarQuantizer() {
    set_derived_sizes();
}

void ScalarQuantizer::set_derived_sizes() {
    const size_t nbits = bits_per_component(qtype);
    FAISSLIKE_THROW_IF_NOT_FMT(
            nbits > 0,
            "ScalarQuantizer: quantizer type %d is not supported (faisslike has QT_8bit=0, "
            "QT_4bit=1, QT_8bit_uniform=2, QT_4bit_uniform=3, QT_fp16=4, QT_8bit_direct=5, "
            "QT_6bit=6, QT_bf16=7, QT_8bit_direct_signed=8)",
            int(qtype));
    bits = nbits;
    code_size = (d * bits + 7) / 8;
}

bool ScalarQuantizer::needs_training() const {
    return has_ranges(qtype);
}

bool ScalarQuantizer::is_trained() const {
    if (!has_ranges(qtype)) {
        return true;
    }
    return trained.size() == (is_uniform(qtype) ? 2 : 2 * d);
}

void ScalarQuantizer::check_trained(const char* what) const {
    // qtype may have been changed after construction without set_derived_sizes().
    FAISSLIKE_THROW_IF_NOT_FMT(
            bits > 0 && bits == bits_per_component(qtype) && code_size == (d * bits + 7) / 8,
            "ScalarQuantizer: qtype %d, bits %zu and code_size %zu are inconsistent: call "
            "set_derived_sizes() after changing qtype or d",
            int(qtype),
            bits,
            code_size);
    FAISSLIKE_THROW_IF_NOT_FMT(
            is_trained(),
            "ScalarQuantizer is not trained: call train() before %s (trained holds %zu "
            "values, qtype %d needs %zu)",
            what,
            trained.size(),
            int(qtype),
            is_uniform(qtype) ? size_t(2) : 2 * d);
}

void ScalarQuantizer::train(size_t n, const float* x) {
    if (!has_ranges(qtype)) {
        return;
    }
    FAISSLIKE_THROW_IF_NOT_FMT(
            rangestat >= RS_minmax && rangestat <= RS_optim,
            "ScalarQuantizer::train: invalid rangestat %d (expected RS_minmax, RS_meanstd, "
            "RS_quantiles or RS_optim)",
            int(rangestat));
    FAISSLIKE_THROW_IF_NOT_MSG(n > 0 && x, "ScalarQuantizer::train: empty training set");
    const size_t nval = n * d;
    for (size_t i = 0; i < nval; i++) {
        FAISSLIKE_THROW_IF_NOT_FMT(
                std::isfinite(x[i]),
                "ScalarQuantizer::train: training vector %zu has a NaN or infinite component",
                i / d);
    }
    const int k = 1 << bits;
    std::vector<float> result;
    if (is_uniform(qtype)) {
        Range r = train_range(rangestat, rangestat_arg, k, nval, x, 1);
        result = {r.vmin, r.vdiff};
    } else if (rangestat == RS_minmax) {
        // Row by row, so that the data is read in memory order.
        std::vector<float> vmin(x, x + d), vmax(x, x + d);
        for (size_t i = 1; i < n; i++) {
            const float* xi = x + i * d;
            for (size_t j = 0; j < d; j++) {
                vmin[j] = std::min(vmin[j], xi[j]);
                vmax[j] = std::max(vmax[j], xi[j]);
            }
        }
        result.resize(2 * d);
        for (size_t j = 0; j < d; j++) {
            float vexp = (vmax[j] - vmin[j]) * rangestat_arg;
            float lo = vmin[j] - vexp, hi = vmax[j] + vexp;
            result[j] = lo;
            result[d + j] = hi - lo;
        }
    } else {
        result.resize(2 * d);
        ParallelExceptions errors; // RS_optim can be interrupted
#pragma omp parallel for schedule(dynamic) if (n * d > 100000)
        for (size_t j = 0; j < d; j++) {
            errors.run([&] {
                Range r = train_range(rangestat, rangestat_arg, k, n, x + j, d);
                result[j] = r.vmin;
                result[d + j] = r.vdiff;
            });
        }
        errors.rethrow_if_failed();
    }
    trained = std::move(result);
}

void ScalarQuantizer::compute_codes(const float* x, uint8_t* codes, size_t n) const {
    check_trained("compute_codes");
    if (n == 0) {
        return;
    }
    FAISSLIKE_THROW_IF_NOT_MSG(x && codes, "ScalarQuantizer::compute_codes: null pointer");
#pragma omp parallel for if (n > 1000)
    for (size_t i = 0; i < n; i++) {
        encode_vector(*this, x + i * d, codes + i * code_size);
    }
}

void ScalarQuantizer::decode(const uint8_t* codes, float* x, size_t n) const {
    check_trained("decode");
    if (n == 0) {
        return;
    }
    FAISSLIKE_THROW_IF_NOT_MSG(x && codes, "ScalarQuantizer::decode: null pointer");
#pragma omp parallel for if (n > 1000)
    for (size_t i = 0; i < n; i++) {
        decode_vector(*this, codes + i * code_size, x + i * d);
    }
}

ScalarQuantizer::SQDistanceComputer* ScalarQuantizer::get_distance_computer(MetricType metric) const {
    FAISSLIKE_THROW_IF_NOT_FMT(
            metric == METRIC_L2 || metric == METRIC_INNER_PRODUCT,
            "ScalarQuantizer: metric %s not supported (use METRIC_L2 or METRIC_INNER_PRODUCT)",
            metric_name(metric));
    check_trained("computing distances");
    return new SQDistanceComputerImpl(*this, metric);
}

} // namespace faisslike
