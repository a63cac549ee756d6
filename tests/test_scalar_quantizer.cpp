// ScalarQuantizer, IndexScalarQuantizer and IndexIVFScalarQuantizer: code
// layouts, quantisation error bounds, distances on codes against the decoded
// vectors (at every SIMD level), search against brute force over the decoded
// vectors, recall, selectors, removal, merging and bad input.

#include <gtest/gtest.h>

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstring>
#include <iterator>
#include <memory>
#include <set>
#include <string>

#include <faisslike/IndexFlat.h>
#include <faisslike/IndexScalarQuantizer.h>
#include <faisslike/impl/FaisslikeException.h>
#include <faisslike/impl/IDSelector.h>
#include <faisslike/impl/RangeSearchResult.h>
#include <faisslike/utils/simd_levels.h>

#include "test_util.h"

namespace faisslike {
namespace {

using QT = ScalarQuantizer::QuantizerType;
using test::clustered_vectors;

const QT kAllTypes[] = {
        QT::QT_8bit,
        QT::QT_4bit,
        QT::QT_8bit_uniform,
        QT::QT_4bit_uniform,
        QT::QT_fp16,
        QT::QT_8bit_direct,
        QT::QT_6bit,
        QT::QT_bf16,
        QT::QT_8bit_direct_signed,
};

bool has_ranges(QT qtype) {
    return qtype == QT::QT_8bit || qtype == QT::QT_4bit || qtype == QT::QT_6bit ||
            qtype == QT::QT_8bit_uniform || qtype == QT::QT_4bit_uniform;
}

std::string name_of(QT qtype) {
    return "qtype " + std::to_string(int(qtype));
}

/// Data the direct types represent exactly or nearly: integers in their range.
std::vector<float> data_for(QT qtype, size_t n, size_t d, int64_t seed) {
    std::vector<float> x = clustered_vectors(n, d, seed, 10);
    if (qtype == QT::QT_8bit_direct_signed) {
        for (float& v : x) {
            v = std::floor(std::min(v, 250.0f)) - 125.0f;
        }
    } else if (qtype == QT::QT_8bit_direct) {
        for (float& v : x) {
            v = std::floor(std::min(v, 255.0f));
        }
    }
    return x;
}

std::vector<float> decode_all(const ScalarQuantizer& sq, const std::vector<uint8_t>& codes) {
    size_t n = codes.size() / sq.code_size;
    std::vector<float> out(n * sq.d);
    sq.decode(codes.data(), out.data(), n);
    return out;
}

double recall_at(const test::KnnResult& ref, const std::vector<idx_t>& I, size_t nq, size_t k) {
    size_t hits = 0;
    for (size_t q = 0; q < nq; q++) {
        std::set<idx_t> truth(ref.I.begin() + q * k, ref.I.begin() + (q + 1) * k);
        for (size_t i = 0; i < k; i++) {
            hits += truth.count(I[q * k + i]);
        }
    }
    return double(hits) / double(nq * k);
}

/// Runs body at every SIMD level this CPU has, then restores the active one.
template <class F>
void at_every_simd_level(F&& body) {
    const SIMDLevel saved = active_simd_level();
    for (SIMDLevel level : supported_simd_levels()) {
        SCOPED_TRACE(simd_level_name(level));
        set_simd_level(level);
        body();
    }
    set_simd_level(saved);
}

/*********************************************************** ScalarQuantizer */

TEST(ScalarQuantizer, SizesFollowTheType) {
    const size_t bits[] = {8, 4, 8, 4, 16, 8, 6, 16, 8};
    for (size_t t = 0; t < std::size(kAllTypes); t++) {
        for (size_t d : {1, 3, 7, 16, 33}) {
            ScalarQuantizer sq(d, kAllTypes[t]);
            EXPECT_EQ(int(kAllTypes[t]), int(t)); // Faiss's numbering
            EXPECT_EQ(sq.bits, bits[t]);
            EXPECT_EQ(sq.code_size, (d * bits[t] + 7) / 8) << name_of(kAllTypes[t]) << " d " << d;
            EXPECT_EQ(sq.is_trained(), !has_ranges(kAllTypes[t]));
        }
    }
    EXPECT_EQ(int(ScalarQuantizer::RS_minmax), 0);
    EXPECT_EQ(int(ScalarQuantizer::RS_optim), 3);
}

TEST(ScalarQuantizer, TrainedLayoutIsVminThenVdiff) {
    const size_t d = 5, n = 200;
    std::vector<float> x = clustered_vectors(n, d, 3);
    ScalarQuantizer sq(d, QT::QT_8bit);
    sq.train(n, x.data());
    ASSERT_EQ(sq.trained.size(), 2 * d);
    for (size_t j = 0; j < d; j++) {
        float lo = x[j], hi = x[j];
        for (size_t i = 0; i < n; i++) {
            lo = std::min(lo, x[i * d + j]);
            hi = std::max(hi, x[i * d + j]);
        }
        EXPECT_EQ(sq.trained[j], lo);
        EXPECT_EQ(sq.trained[d + j], hi - lo);
    }
    ScalarQuantizer uniform(d, QT::QT_4bit_uniform);
    uniform.rangestat_arg = 0.5f;
    uniform.train(n, x.data());
    ASSERT_EQ(uniform.trained.size(), 2u);
    auto [lo, hi] = std::minmax_element(x.begin(), x.end());
    float expand = (*hi - *lo) * 0.5f;
    EXPECT_EQ(uniform.trained[0], *lo - expand);
    EXPECT_EQ(uniform.trained[1], (*hi + expand) - (*lo - expand));
    ScalarQuantizer half(d, QT::QT_fp16);
    half.train(n, x.data());
    EXPECT_TRUE(half.trained.empty());
}

TEST(ScalarQuantizer, PackedLayoutsAreFaiss) {
    // Ranges [0, 2^bits - 1]: x = c + 0.5 encodes to level c exactly.
    const size_t d = 8;
    const unsigned levels[d] = {1, 2, 3, 4, 5, 6, 7, 0};
    for (QT qtype : {QT::QT_4bit, QT::QT_6bit, QT::QT_8bit}) {
        ScalarQuantizer sq(d, qtype);
        const float top = float((1u << sq.bits) - 1);
        sq.trained.assign(d, 0.0f);
        sq.trained.resize(2 * d, top);
        std::vector<float> x(d);
        for (size_t i = 0; i < d; i++) {
            x[i] = levels[i] * 7 % (1u << sq.bits) + 0.5f;
        }
        std::vector<uint8_t> code(sq.code_size);
        sq.compute_codes(x.data(), code.data(), 1);
        // Every layout is the levels as an LSB-first bit stream.
        std::vector<uint8_t> expected(sq.code_size, 0);
        for (size_t i = 0; i < d; i++) {
            unsigned c = unsigned(x[i]);
            for (size_t b = 0; b < sq.bits; b++) {
                size_t bit = i * sq.bits + b;
                expected[bit / 8] |= uint8_t(((c >> b) & 1) << (bit % 8));
            }
        }
        EXPECT_EQ(code, expected) << name_of(qtype);
        // Decoding gives the centre of each level: vmin + (c + 0.5) / top * vdiff.
        std::vector<float> y(d);
        sq.decode(code.data(), y.data(), 1);
        for (size_t i = 0; i < d; i++) {
            EXPECT_FLOAT_EQ(y[i], (std::floor(x[i]) + 0.5f) / top * top);
        }
    }
    // 4-bit: first component in the low nibble.
    ScalarQuantizer sq4(2, QT::QT_4bit_uniform);
    sq4.trained = {0.0f, 15.0f};
    float two[2] = {3.5f, 12.5f};
    uint8_t byte = 0;
    sq4.compute_codes(two, &byte, 1);
    EXPECT_EQ(byte, 0xc3);
    // 6-bit: 4 components in 3 bytes, v0 | v1 << 6 | v2 << 12 | v3 << 18.
    ScalarQuantizer sq6(4, QT::QT_6bit);
    sq6.trained = {0, 0, 0, 0, 63, 63, 63, 63};
    float four[4] = {1.5f, 2.5f, 3.5f, 63.0f};
    uint8_t three[3];
    sq6.compute_codes(four, three, 1);
    uint32_t packed = 1u | 2u << 6 | 3u << 12 | 63u << 18;
    EXPECT_EQ(three[0], packed & 0xff);
    EXPECT_EQ(three[1], (packed >> 8) & 0xff);
    EXPECT_EQ(three[2], packed >> 16);
}

TEST(ScalarQuantizer, ClampsOutOfRangeAndNaN) {
    ScalarQuantizer sq(4, QT::QT_8bit_uniform);
    sq.trained = {0.0f, 1.0f};
    float x[4] = {-5.0f, 7.0f, NAN, 1.0f};
    uint8_t code[4];
    sq.compute_codes(x, code, 1);
    EXPECT_EQ(code[0], 0);
    EXPECT_EQ(code[1], 255);
    EXPECT_EQ(code[2], 0);
    EXPECT_EQ(code[3], 255);
    ScalarQuantizer direct(4, QT::QT_8bit_direct);
    float y[4] = {-3.0f, 300.0f, 17.9f, NAN};
    direct.compute_codes(y, code, 1);
    EXPECT_EQ(code[0], 0);
    EXPECT_EQ(code[1], 255);
    EXPECT_EQ(code[2], 17);
    EXPECT_EQ(code[3], 0);
}

TEST(ScalarQuantizer, HalfFloatBits) {
    ScalarQuantizer fp16(1, QT::QT_fp16);
    auto half = [&](float v) {
        uint16_t h;
        fp16.compute_codes(&v, reinterpret_cast<uint8_t*>(&h), 1);
        return h;
    };
    EXPECT_EQ(half(1.0f), 0x3c00);
    EXPECT_EQ(half(-2.0f), 0xc000);
    EXPECT_EQ(half(0.1f), 0x2e66);
    EXPECT_EQ(half(65504.0f), 0x7bff);
    EXPECT_EQ(half(65520.0f), 0x7c00);
    EXPECT_EQ(half(std::ldexp(1.0f, -24)), 0x0001);
    EXPECT_EQ(half(3 * std::ldexp(1.0f, -24)), 0x0003);
    EXPECT_EQ(half(std::ldexp(1.0f, -26)), 0x0000);
    EXPECT_EQ(half(std::ldexp(1.0f, -14)), 0x0400);
    EXPECT_EQ(half(-0.0f), 0x8000);
    EXPECT_EQ(half(INFINITY), 0x7c00);
    EXPECT_EQ(half(-NAN), 0xfe00);
    // Faiss's portable rounding: ties away from zero, in the normal and in the
    // subnormal range.
    EXPECT_EQ(half(1.0f + std::ldexp(1.0f, -11)), 0x3c01);
    EXPECT_EQ(half(1.0f + 3 * std::ldexp(1.0f, -11)), 0x3c02);
    EXPECT_EQ(half(-1.0f - std::ldexp(1.0f, -11)), 0xbc01);
    EXPECT_EQ(half(std::ldexp(1.0f, -25)), 0x0001);
    EXPECT_EQ(half(1.5f * std::ldexp(1.0f, -24)), 0x0002);
    EXPECT_EQ(half(1.0f + std::ldexp(1.0f, -11) - std::ldexp(1.0f, -23)), 0x3c00);
    float back;
    uint16_t h = 0x0001;
    fp16.decode(reinterpret_cast<uint8_t*>(&h), &back, 1);
    EXPECT_EQ(back, std::ldexp(1.0f, -24));
    h = 0xfbff;
    fp16.decode(reinterpret_cast<uint8_t*>(&h), &back, 1);
    EXPECT_EQ(back, -65504.0f);

    ScalarQuantizer bf16(1, QT::QT_bf16);
    auto brain = [&](uint32_t bits) {
        float v;
        std::memcpy(&v, &bits, 4);
        uint16_t b;
        bf16.compute_codes(&v, reinterpret_cast<uint8_t*>(&b), 1);
        return b;
    };
    EXPECT_EQ(brain(0x3f800000u), 0x3f80);
    EXPECT_EQ(brain(0x3f807fffu), 0x3f80);
    // Faiss adds half of the dropped part: ties round up.
    EXPECT_EQ(brain(0x3f808000u), 0x3f81);
    EXPECT_EQ(brain(0x3f818000u), 0x3f82);
}

TEST(ScalarQuantizer, DecodeErrorWithinQuantisationStep) {
    const size_t d = 19, n = 500;
    for (QT qtype : kAllTypes) {
        SCOPED_TRACE(name_of(qtype));
        std::vector<float> x = data_for(qtype, n, d, 7);
        ScalarQuantizer sq(d, qtype);
        sq.train(n, x.data());
        std::vector<uint8_t> codes(n * sq.code_size);
        sq.compute_codes(x.data(), codes.data(), n);
        std::vector<float> y = decode_all(sq, codes);
        for (size_t i = 0; i < n * d; i++) {
            size_t j = i % d;
            double err = std::abs(double(x[i]) - y[i]);
            double bound;
            if (has_ranges(qtype)) {
                bool uniform = sq.trained.size() == 2;
                double vdiff = uniform ? sq.trained[1] : sq.trained[d + j];
                // Levels are floor()ed and decoded at their centre: half a step.
                bound = vdiff / (2.0 * ((1u << sq.bits) - 1)) * (1 + 1e-5) + 1e-5;
            } else if (qtype == QT::QT_fp16) {
                bound = std::abs(x[i]) * std::ldexp(1.0, -11) + std::ldexp(1.0, -25);
            } else if (qtype == QT::QT_bf16) {
                bound = std::abs(x[i]) * std::ldexp(1.0, -8);
            } else {
                bound = 0; // integers are stored exactly
            }
            ASSERT_LE(err, bound) << "component " << i << " x " << x[i] << " decoded " << y[i];
        }
    }
}

TEST(ScalarQuantizer, RangeStatistics) {
    const size_t d = 4, n = 1000;
    std::vector<float> x(n * d);
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < d; j++) {
            x[i * d + j] = float(i) + float(j) * 1000; // column j: j*1000 + 0 .. 999
        }
    }
    ScalarQuantizer sq(d, QT::QT_8bit);
    sq.rangestat = ScalarQuantizer::RS_quantiles;
    sq.rangestat_arg = 0.1f;
    sq.train(n, x.data());
    for (size_t j = 0; j < d; j++) {
        EXPECT_EQ(sq.trained[j], 100.0f + 1000 * j);
        EXPECT_EQ(sq.trained[d + j], 799.0f);
    }
    sq.rangestat = ScalarQuantizer::RS_meanstd;
    sq.rangestat_arg = 2.0f;
    sq.train(n, x.data());
    const double std_dev = std::sqrt((double(n) * n - 1) / 12.0);
    for (size_t j = 0; j < d; j++) {
        EXPECT_NEAR(sq.trained[j], 499.5 + 1000 * j - 2 * std_dev, 1e-2);
        EXPECT_NEAR(sq.trained[d + j], 4 * std_dev, 1e-2);
    }
    // RS_optim fits the grid to the data: on evenly spread values it spans them.
    for (QT qtype : {QT::QT_4bit, QT::QT_4bit_uniform}) {
        ScalarQuantizer opt(d, qtype);
        opt.rangestat = ScalarQuantizer::RS_optim;
        opt.train(n, x.data());
        std::vector<uint8_t> codes(n * opt.code_size);
        opt.compute_codes(x.data(), codes.data(), n);
        std::vector<float> y = decode_all(opt, codes);
        double mse = 0;
        for (size_t i = 0; i < n * d; i++) {
            mse += (double(x[i]) - y[i]) * (double(x[i]) - y[i]);
        }
        double span = qtype == QT::QT_4bit ? 999 : 3999;
        EXPECT_LT(std::sqrt(mse / double(n * d)), span / 15) << name_of(qtype);
    }
}

TEST(ScalarQuantizer, BadTrainingLeavesItUnchanged) {
    const size_t d = 3;
    std::vector<float> x = clustered_vectors(10, d, 1);
    ScalarQuantizer sq(d, QT::QT_8bit);
    sq.train(10, x.data());
    const std::vector<float> before = sq.trained;
    x[4] = NAN;
    EXPECT_THROW(sq.train(10, x.data()), FaisslikeException);
    EXPECT_THROW(sq.train(0, x.data()), FaisslikeException);
    sq.rangestat = static_cast<ScalarQuantizer::RangeStat>(9);
    EXPECT_THROW(sq.train(2, x.data()), FaisslikeException);
    EXPECT_EQ(sq.trained, before);

    ScalarQuantizer untrained(d, QT::QT_6bit);
    uint8_t code[3];
    EXPECT_THROW(untrained.compute_codes(x.data(), code, 1), FaisslikeException);
    EXPECT_THROW(untrained.decode(code, x.data(), 1), FaisslikeException);
    EXPECT_THROW(delete untrained.get_distance_computer(), FaisslikeException);
    // Faiss's values above QT_8bit_direct_signed (QT_0bit, TurboQuant, ...) are refused.
    EXPECT_THROW(ScalarQuantizer(d, static_cast<QT>(9)), FaisslikeException);
    EXPECT_THROW(ScalarQuantizer(d, static_cast<QT>(-1)), FaisslikeException);
    EXPECT_THROW(delete sq.get_distance_computer(METRIC_L1), FaisslikeException);

    // A type changed after construction needs set_derived_sizes() and training.
    sq.rangestat = ScalarQuantizer::RS_minmax;
    sq.qtype = QT::QT_4bit;
    EXPECT_THROW(sq.compute_codes(x.data(), code, 1), FaisslikeException);
    sq.set_derived_sizes();
    EXPECT_EQ(sq.code_size, 2u);
    sq.train(3, x.data() + 5 * d);
    sq.compute_codes(x.data() + 5 * d, code, 1);
}

TEST(ScalarQuantizer, DistancesOnCodesEqualDistancesToDecoded) {
    const size_t n = 37;
    at_every_simd_level([&] {
        for (size_t d : {1, 5, 8, 16, 17, 24, 31, 64, 100}) {
            for (QT qtype : kAllTypes) {
                SCOPED_TRACE(name_of(qtype) + " d " + std::to_string(d));
                std::vector<float> x = data_for(qtype, n, d, 11);
                std::vector<float> q = data_for(qtype, 3, d, 12);
                ScalarQuantizer sq(d, qtype);
                sq.train(n, x.data());
                std::vector<uint8_t> codes(n * sq.code_size);
                sq.compute_codes(x.data(), codes.data(), n);
                std::vector<float> y = decode_all(sq, codes);
                for (MetricType metric : {METRIC_L2, METRIC_INNER_PRODUCT}) {
                    std::unique_ptr<ScalarQuantizer::SQDistanceComputer> dc(
                            sq.get_distance_computer(metric));
                    for (size_t iq = 0; iq < 3; iq++) {
                        dc->set_query(q.data() + iq * d);
                        std::vector<float> dis(n);
                        dc->query_to_codes(n, codes.data(), dis.data());
                        double norm = test::exact_distance(q.data() + iq * d, q.data() + iq * d, d,
                                                           METRIC_INNER_PRODUCT);
                        for (size_t j = 0; j < n; j++) {
                            double truth = test::exact_distance(q.data() + iq * d, y.data() + j * d,
                                                                d, metric);
                            double tol = 1e-5 * std::max({1.0, std::abs(truth), norm});
                            ASSERT_NEAR(dis[j], truth, tol) << "code " << j;
                            ASSERT_EQ(dc->query_to_code(codes.data() + j * sq.code_size), dis[j]);
                        }
                    }
                }
            }
        }
    });
}

/*********************************************************** IndexScalarQuantizer */

constexpr size_t kD = 32, kNb = 5000, kNq = 40;

struct Data {
    std::vector<float> xb = clustered_vectors(kNb, kD, 100, 30);
    std::vector<float> xq = clustered_vectors(kNq, kD, 101, 30);
};

std::unique_ptr<IndexScalarQuantizer> make_flat(const Data& data, QT qtype, MetricType metric) {
    auto index = std::make_unique<IndexScalarQuantizer>(int(kD), qtype, metric);
    index->train(kNb, data.xb.data());
    index->add(kNb, data.xb.data());
    return index;
}

std::vector<float> reconstruct_all(const Index& index) {
    std::vector<float> y(size_t(index.ntotal) * index.d);
    index.reconstruct_n(0, index.ntotal, y.data());
    return y;
}

TEST(IndexScalarQuantizer, SearchIsExactOverDecodedVectors) {
    Data data;
    const size_t k = 10;
    for (QT qtype : {QT::QT_8bit, QT::QT_4bit, QT::QT_6bit, QT::QT_8bit_uniform, QT::QT_fp16,
                     QT::QT_bf16}) {
        for (MetricType metric : {METRIC_L2, METRIC_INNER_PRODUCT}) {
            SCOPED_TRACE(name_of(qtype) + " metric " + metric_name(metric));
            auto index = make_flat(data, qtype, metric);
            std::vector<float> y = reconstruct_all(*index);
            std::vector<float> D(kNq * k);
            std::vector<idx_t> I(kNq * k);
            index->search(kNq, data.xq.data(), k, D.data(), I.data());
            auto ref = test::brute_force_knn(data.xq.data(), kNq, y.data(), kNb, kD, k, metric);
            test::expect_knn_equal(ref, D.data(), I.data(), kNq, k, data.xq.data(), y.data(), kD,
                                   metric, 1e-5);
        }
    }
}

TEST(IndexScalarQuantizer, RecallAgainstRawVectors) {
    Data data;
    const size_t k = 10;
    struct Floor {
        QT qtype;
        double recall;
    };
    for (MetricType metric : {METRIC_L2, METRIC_INNER_PRODUCT}) {
        auto ref = test::brute_force_knn(data.xq.data(), kNq, data.xb.data(), kNb, kD, k, metric);
        for (Floor f : {Floor{QT::QT_fp16, 0.99}, Floor{QT::QT_8bit, 0.95}, Floor{QT::QT_6bit, 0.9},
                        Floor{QT::QT_4bit, 0.7}, Floor{QT::QT_4bit_uniform, 0.65}}) {
            auto index = make_flat(data, f.qtype, metric);
            std::vector<float> D(kNq * k);
            std::vector<idx_t> I(kNq * k);
            index->search(kNq, data.xq.data(), k, D.data(), I.data());
            EXPECT_GE(recall_at(ref, I, kNq, k), f.recall)
                    << name_of(f.qtype) << " " << metric_name(metric);
        }
    }
}

TEST(IndexScalarQuantizer, OneQueryAtATimeAgreesWithBatch) {
    // Single queries split the stored vectors over the threads.
    Data data;
    auto index = make_flat(data, QT::QT_8bit, METRIC_L2);
    const size_t k = 7;
    std::vector<float> D(kNq * k), D1(k);
    std::vector<idx_t> I(kNq * k), I1(k);
    index->search(kNq, data.xq.data(), k, D.data(), I.data());
    for (size_t q = 0; q < kNq; q++) {
        index->search(1, data.xq.data() + q * kD, k, D1.data(), I1.data());
        for (size_t i = 0; i < k; i++) {
            ASSERT_EQ(I1[i], I[q * k + i]);
            ASSERT_EQ(D1[i], D[q * k + i]);
        }
    }
}

TEST(IndexScalarQuantizer, SelectorAndPadding) {
    Data data;
    for (MetricType metric : {METRIC_L2, METRIC_INNER_PRODUCT}) {
        auto index = make_flat(data, QT::QT_8bit, metric);
        std::vector<float> y = reconstruct_all(*index);
        const size_t k = 20;
        IDSelectorRange range(1000, 1015);
        SearchParameters params;
        params.sel = &range;
        std::vector<float> D(kNq * k);
        std::vector<idx_t> I(kNq * k);
        index->search(kNq, data.xq.data(), k, D.data(), I.data(), &params);
        auto ref = test::brute_force_knn(data.xq.data(), kNq, y.data(), kNb, kD, k, metric,
                                         [&](idx_t id) { return range.is_member(id); });
        // 15 selected vectors for k = 20: the last 5 are Faiss's padding.
        test::expect_knn_equal(ref, D.data(), I.data(), kNq, k, data.xq.data(), y.data(), kD, metric,
                               1e-5);
        EXPECT_EQ(I[k - 1], -1);
        EXPECT_EQ(D[k - 1], metric == METRIC_L2 ? FLT_MAX : -FLT_MAX);
    }
}

TEST(IndexScalarQuantizer, RangeSearchMatchesBruteForce) {
    Data data;
    auto index = make_flat(data, QT::QT_8bit, METRIC_L2);
    std::vector<float> y = reconstruct_all(*index);
    auto knn = test::brute_force_knn(data.xq.data(), kNq, y.data(), kNb, kD, 20, METRIC_L2);
    const float radius = knn.D[10];
    RangeSearchResult result(kNq);
    index->range_search(kNq, data.xq.data(), radius, &result);
    for (size_t q = 0; q < kNq; q++) {
        std::set<idx_t> expected;
        for (size_t j = 0; j < kNb; j++) {
            double dis = test::exact_distance(data.xq.data() + q * kD, y.data() + j * kD, kD, METRIC_L2);
            if (dis < radius * (1 - 1e-5)) {
                expected.insert(idx_t(j));
            }
        }
        std::set<idx_t> got(result.labels + result.lims[q], result.labels + result.lims[q + 1]);
        for (idx_t id : expected) {
            EXPECT_TRUE(got.count(id)) << "query " << q << " id " << id;
        }
        for (size_t r = result.lims[q]; r < result.lims[q + 1]; r++) {
            EXPECT_LT(result.distances[r], radius);
        }
    }
}

TEST(IndexScalarQuantizer, CodecRemoveAndMerge) {
    Data data;
    auto index = make_flat(data, QT::QT_6bit, METRIC_L2);
    // reconstruct == sa_decode(sa_encode(x)), and the stored codes are sa_encode's.
    std::vector<uint8_t> codes(kNb * index->code_size);
    index->sa_encode(kNb, data.xb.data(), codes.data());
    EXPECT_EQ(codes, index->codes.to_vector());
    std::vector<float> decoded(kNb * kD);
    index->sa_decode(kNb, codes.data(), decoded.data());
    EXPECT_EQ(decoded, reconstruct_all(*index));

    // remove_ids compacts: the ids after the removed range shift down.
    IDSelectorRange range(100, 200);
    EXPECT_EQ(index->remove_ids(range), 100u);
    EXPECT_EQ(index->ntotal, idx_t(kNb - 100));
    std::vector<float> v(kD);
    index->reconstruct(100, v.data());
    EXPECT_TRUE(std::equal(v.begin(), v.end(), decoded.begin() + 200 * kD));

    // Two halves with the same trained quantizer merge into the whole.
    auto whole = make_flat(data, QT::QT_8bit, METRIC_L2);
    IndexScalarQuantizer a(int(kD), QT::QT_8bit), b(int(kD), QT::QT_8bit);
    a.train(kNb, data.xb.data());
    b.sq = a.sq;
    b.is_trained = true;
    a.add(kNb / 2, data.xb.data());
    b.add(kNb / 2, data.xb.data() + kNb / 2 * kD);
    a.merge_from(b);
    EXPECT_EQ(a.ntotal, idx_t(kNb));
    EXPECT_EQ(b.ntotal, 0);
    EXPECT_EQ(a.codes, whole->codes);

    // Different ranges cannot be merged; nothing moves.
    IndexScalarQuantizer c(int(kD), QT::QT_8bit);
    c.train(100, data.xb.data() + 1000 * kD);
    c.add(10, data.xq.data());
    EXPECT_THROW(a.merge_from(c), FaisslikeException);
    EXPECT_EQ(a.ntotal, idx_t(kNb));
    EXPECT_EQ(c.ntotal, 10);
}

TEST(IndexScalarQuantizer, BadInputThrowsAndChangesNothing) {
    Data data;
    std::vector<float> D(10);
    std::vector<idx_t> I(10);
    IndexScalarQuantizer untrained(int(kD), QT::QT_8bit);
    EXPECT_FALSE(untrained.is_trained);
    EXPECT_THROW(untrained.add(10, data.xb.data()), FaisslikeException);
    EXPECT_EQ(untrained.ntotal, 0);
    EXPECT_THROW(untrained.search(1, data.xq.data(), 10, D.data(), I.data()), FaisslikeException);
    EXPECT_TRUE(IndexScalarQuantizer(int(kD), QT::QT_fp16).is_trained);

    EXPECT_THROW(IndexScalarQuantizer(int(kD), static_cast<QT>(99)), FaisslikeException);
    EXPECT_THROW(IndexScalarQuantizer(int(kD), QT::QT_8bit, METRIC_L1), FaisslikeException);

    auto index = make_flat(data, QT::QT_8bit, METRIC_L2);
    const std::vector<uint8_t> codes = index->codes.to_vector();
    const std::vector<float> trained = index->sq.trained;
    EXPECT_THROW(index->search(1, data.xq.data(), 0, D.data(), I.data()), FaisslikeException);
    EXPECT_THROW(index->search(1, data.xq.data(), -3, D.data(), I.data()), FaisslikeException);
    std::vector<float> bad(data.xb.begin(), data.xb.begin() + 3 * kD);
    bad[kD + 2] = NAN;
    EXPECT_THROW(index->add(3, bad.data()), FaisslikeException);
    // Retraining would make the stored codes meaningless.
    EXPECT_THROW(index->train(kNb, data.xb.data()), FaisslikeException);
    EXPECT_EQ(index->ntotal, idx_t(kNb));
    EXPECT_EQ(index->codes.to_vector(), codes);
    EXPECT_EQ(index->sq.trained, trained);
    index->reset();
    index->train(kNq, data.xq.data());
    EXPECT_NE(index->sq.trained, trained);
}

/*********************************************************** IndexIVFScalarQuantizer */

constexpr size_t kNlist = 32;

/// The coarse centroids of each metric, trained once: k-means is the slow
/// part of building an IVF index, and the tests vary only the encoder.
const std::vector<float>& coarse_centroids(const Data& data, MetricType metric) {
    static std::vector<float> cache[2];
    std::vector<float>& centroids = cache[metric == METRIC_L2 ? 1 : 0];
    if (centroids.empty()) {
        IndexFlat quantizer(kD, metric);
        IndexIVFScalarQuantizer index(&quantizer, kD, kNlist, QT::QT_fp16, metric);
        index.train(kNb, data.xb.data());
        centroids.resize(kNlist * kD);
        quantizer.reconstruct_n(0, kNlist, centroids.data());
    }
    return centroids;
}

std::unique_ptr<IndexIVFScalarQuantizer> make_ivf(const Data& data, QT qtype, MetricType metric,
                                                  bool by_residual = true, bool fill = true) {
    auto* quantizer = new IndexFlat(kD, metric);
    quantizer->add(kNlist, coarse_centroids(data, metric).data());
    auto index = std::make_unique<IndexIVFScalarQuantizer>(quantizer, kD, kNlist, qtype, metric,
                                                           by_residual);
    index->own_fields = true;
    index->train(kNb, data.xb.data());
    if (fill) {
        index->add(kNb, data.xb.data());
    }
    return index;
}

TEST(IndexIVFScalarQuantizer, AllListsProbedIsExactOverDecodedVectors) {
    Data data;
    const size_t k = 10;
    struct Case {
        QT qtype;
        MetricType metric;
        bool by_residual;
    };
    const Case cases[] = {
            {QT::QT_8bit, METRIC_L2, true},
            {QT::QT_8bit, METRIC_INNER_PRODUCT, true},
            {QT::QT_4bit, METRIC_L2, false},
            {QT::QT_6bit, METRIC_INNER_PRODUCT, false},
            {QT::QT_fp16, METRIC_L2, true},
            {QT::QT_4bit_uniform, METRIC_INNER_PRODUCT, true},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(name_of(c.qtype) + " metric " + metric_name(c.metric) +
                     (c.by_residual ? " residual" : " direct"));
        auto index = make_ivf(data, c.qtype, c.metric, c.by_residual);
        index->nprobe = kNlist;
        std::vector<float> y = reconstruct_all(*index);
        std::vector<float> D(kNq * k);
        std::vector<idx_t> I(kNq * k);
        index->search(kNq, data.xq.data(), k, D.data(), I.data());
        auto ref = test::brute_force_knn(data.xq.data(), kNq, y.data(), kNb, kD, k, c.metric);
        test::expect_knn_equal(ref, D.data(), I.data(), kNq, k, data.xq.data(), y.data(), kD,
                               c.metric, 1e-4);
    }
}

TEST(IndexIVFScalarQuantizer, RecallGrowsWithNprobe) {
    Data data;
    const size_t k = 10;
    for (MetricType metric : {METRIC_L2, METRIC_INNER_PRODUCT}) {
        auto ref = test::brute_force_knn(data.xq.data(), kNq, data.xb.data(), kNb, kD, k, metric);
        for (QT qtype : {QT::QT_8bit, QT::QT_4bit}) {
            SCOPED_TRACE(name_of(qtype) + " metric " + metric_name(metric));
            auto index = make_ivf(data, qtype, metric);
            double previous = 0;
            for (size_t nprobe : {1, 2, 4, 8, 16, 32}) {
                SearchParametersIVF params;
                params.nprobe = nprobe;
                std::vector<float> D(kNq * k);
                std::vector<idx_t> I(kNq * k);
                index->search(kNq, data.xq.data(), k, D.data(), I.data(), &params);
                double r = recall_at(ref, I, kNq, k);
                EXPECT_GE(r, previous - 1e-9) << "nprobe " << nprobe;
                previous = r;
            }
            EXPECT_GE(previous, qtype == QT::QT_8bit ? 0.95 : 0.7);
        }
    }
}

TEST(IndexIVFScalarQuantizer, ResidualCodesAndReconstruct) {
    Data data;
    auto index = make_ivf(data, QT::QT_8bit, METRIC_L2);
    std::vector<float> v(kD);
    try {
        index->reconstruct(5, v.data());
        FAIL() << "reconstruct without a direct map must throw";
    } catch (const FaisslikeException& e) {
        EXPECT_NE(std::string(e.what()).find("direct map not initialized"), std::string::npos);
    }
    index->make_direct_map();
    // Each stored code is the residual's code, and reconstruct adds the centroid back.
    std::vector<idx_t> lists(kNb);
    index->quantizer->assign(kNb, data.xb.data(), lists.data());
    std::vector<float> centroid(kD), residual(kD), expected(kD);
    std::vector<uint8_t> code(index->code_size);
    for (idx_t id : {0, 17, 4999}) {
        index->quantizer->reconstruct(lists[id], centroid.data());
        for (size_t j = 0; j < kD; j++) {
            residual[j] = data.xb[id * kD + j] - centroid[j];
        }
        index->sq.compute_codes(residual.data(), code.data(), 1);
        index->sq.decode(code.data(), expected.data(), 1);
        for (size_t j = 0; j < kD; j++) {
            expected[j] += centroid[j];
        }
        index->reconstruct(id, v.data());
        EXPECT_EQ(v, expected) << "id " << id;
        // The standalone code is the list number then the same code.
        std::vector<uint8_t> sa(index->sa_code_size());
        index->sa_encode(1, data.xb.data() + id * kD, sa.data());
        EXPECT_EQ(sa[0], uint8_t(lists[id]));
        EXPECT_TRUE(std::equal(code.begin(), code.end(), sa.begin() + 1));
        std::vector<float> back(kD);
        index->sa_decode(1, sa.data(), back.data());
        EXPECT_EQ(back, expected);
    }
}

TEST(IndexIVFScalarQuantizer, SelectorRemoveAndMerge) {
    Data data;
    auto index = make_ivf(data, QT::QT_8bit, METRIC_L2);
    index->nprobe = kNlist;
    std::vector<float> y = reconstruct_all(*index);
    const size_t k = 10;
    std::vector<idx_t> wanted = {3, 77, 1200, 2500, 4999, 4000, 123, 7, 8, 9, 10, 11};
    IDSelectorBatch batch(wanted.size(), wanted.data());
    SearchParametersIVF params;
    params.nprobe = kNlist;
    params.sel = &batch;
    std::vector<float> D(kNq * k);
    std::vector<idx_t> I(kNq * k);
    index->search(kNq, data.xq.data(), k, D.data(), I.data(), &params);
    auto ref = test::brute_force_knn(data.xq.data(), kNq, y.data(), kNb, kD, k, METRIC_L2,
                                     [&](idx_t id) { return batch.is_member(id); });
    test::expect_knn_equal(ref, D.data(), I.data(), kNq, k, data.xq.data(), y.data(), kD, METRIC_L2,
                           1e-4);

    IDSelectorRange range(0, 2500);
    EXPECT_EQ(index->remove_ids(range), 2500u);
    EXPECT_EQ(index->ntotal, idx_t(kNb - 2500));
    index->search(kNq, data.xq.data(), k, D.data(), I.data());
    for (idx_t id : I) {
        EXPECT_GE(id, 2500);
    }

    // Halves built on the same coarse centroids and ranges merge into the whole.
    auto whole = make_ivf(data, QT::QT_8bit, METRIC_L2);
    auto a = make_ivf(data, QT::QT_8bit, METRIC_L2, true, false);
    const std::vector<float>& centroids = coarse_centroids(data, METRIC_L2);
    auto* q2 = new IndexFlat(kD);
    q2->add(kNlist, centroids.data());
    IndexIVFScalarQuantizer b(q2, kD, kNlist, QT::QT_8bit);
    b.own_fields = true;
    b.sq = a->sq;
    b.is_trained = true;
    a->add(kNb / 2, data.xb.data());
    b.add(kNb / 2, data.xb.data() + kNb / 2 * kD);
    a->merge_from(b, kNb / 2);
    EXPECT_EQ(a->ntotal, idx_t(kNb));
    whole->nprobe = a->nprobe = 4;
    std::vector<float> Da(kNq * k), Dw(kNq * k);
    std::vector<idx_t> Ia(kNq * k), Iw(kNq * k);
    a->search(kNq, data.xq.data(), k, Da.data(), Ia.data());
    whole->search(kNq, data.xq.data(), k, Dw.data(), Iw.data());
    EXPECT_EQ(Ia, Iw);
    EXPECT_EQ(Da, Dw);

    // Other ranges: refused, nothing moves.
    auto* q3 = new IndexFlat(kD);
    q3->add(kNlist, centroids.data());
    IndexIVFScalarQuantizer other(q3, kD, kNlist, QT::QT_8bit);
    other.own_fields = true;
    other.train(100, data.xb.data() + 1000 * kD);
    other.add(10, data.xq.data());
    EXPECT_THROW(a->merge_from(other), FaisslikeException);
    EXPECT_EQ(a->ntotal, idx_t(kNb));
    EXPECT_EQ(other.ntotal, 10);
}

TEST(IndexIVFScalarQuantizer, BadInputThrowsAndChangesNothing) {
    Data data;
    std::vector<float> D(10);
    std::vector<idx_t> I(10);
    IndexFlat coarse(kD);
    IndexIVFScalarQuantizer untrained(&coarse, kD, kNlist, QT::QT_8bit);
    EXPECT_THROW(untrained.add(10, data.xb.data()), FaisslikeException);
    EXPECT_THROW(untrained.search(1, data.xq.data(), 10, D.data(), I.data()), FaisslikeException);
    EXPECT_EQ(untrained.ntotal, 0);
    EXPECT_THROW((IndexIVFScalarQuantizer{&coarse, kD, kNlist, static_cast<QT>(42)}),
                 FaisslikeException);

    auto index = make_ivf(data, QT::QT_4bit, METRIC_INNER_PRODUCT);
    EXPECT_THROW(index->search(1, data.xq.data(), 0, D.data(), I.data()), FaisslikeException);
    std::vector<float> bad(data.xb.begin(), data.xb.begin() + 3 * kD);
    bad[5] = INFINITY;
    EXPECT_THROW(index->add(3, bad.data()), FaisslikeException);
    EXPECT_EQ(index->ntotal, idx_t(kNb));
}

} // namespace
} // namespace faisslike
