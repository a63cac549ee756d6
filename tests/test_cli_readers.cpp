// The vector file readers and recall helpers of the `faisslike` program
// (tools/): round trips through every format, and clear errors on damaged files.

#include <gtest/gtest.h>

#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include <faisslike/impl/FaisslikeException.h>

#include "ground_truth.h"
#include "test_util.h"
#include "vector_io.h"

namespace faisslike::tools {
namespace {

namespace fs = std::filesystem;

class CliReaders : public ::testing::Test {
   protected:
    void SetUp() override {
        const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
        dir_ = fs::temp_directory_path() /
               ("faisslike_cli_readers_" + std::to_string(getpid()) + "_" + info->name());
        fs::create_directories(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }

    std::string path(const std::string& name) const { return (dir_ / name).string(); }

    std::string write_bytes(const std::string& name, const std::string& bytes) const {
        std::string p = path(name);
        std::ofstream out(p, std::ios::binary);
        out.write(bytes.data(), std::streamsize(bytes.size()));
        return p;
    }

    std::string read_bytes(const std::string& p) const {
        std::ifstream in(p, std::ios::binary);
        return std::string(std::istreambuf_iterator<char>(in), {});
    }

    fs::path dir_;
};

template <typename T>
std::string raw(const std::vector<T>& values) {
    return std::string(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(T));
}

std::string int32_bytes(int32_t v) {
    return std::string(reinterpret_cast<const char*>(&v), sizeof(v));
}

// A .npy file as numpy lays it out: magic, version, header length, the dict
// padded with spaces and ended by a newline, then the data.
std::string npy_bytes(const std::string& dict, const std::string& data, int major = 1) {
    size_t prefix = major == 1 ? 10 : 12;
    std::string header = dict;
    header.append((64 - (prefix + header.size() + 1) % 64) % 64, ' ');
    header += '\n';
    std::string out = "\x93NUMPY";
    out += char(major);
    out += char(0);
    uint32_t len = uint32_t(header.size());
    out += char(len & 0xff);
    out += char((len >> 8) & 0xff);
    if (major != 1) {
        out += char((len >> 16) & 0xff);
        out += char((len >> 24) & 0xff);
    }
    return out + header + data;
}

// Runs f, which must throw a one-line FaisslikeException containing `needle`.
template <typename F>
void expect_error(F f, const std::string& needle) {
    try {
        f();
        ADD_FAILURE() << "no exception; expected one mentioning '" << needle << "'";
    } catch (const FaisslikeException& e) {
        std::string what = e.what();
        EXPECT_NE(what.find(needle), std::string::npos) << what;
        EXPECT_EQ(what.find('\n'), std::string::npos) << "message is not one line: " << what;
    }
}

std::vector<float> sample_floats(size_t n) {
    std::vector<float> v(n);
    for (size_t i = 0; i < n; i++) {
        v[i] = float(i) * 0.5f - 7.25f;
    }
    return v;
}

TEST_F(CliReaders, FvecsRoundTrip) {
    const size_t n = 37, d = 5;
    std::vector<float> x = sample_floats(n * d);
    std::string p = path("a.fvecs");
    write_fvecs(p, x.data(), n, d);
    EXPECT_EQ(fs::file_size(p), n * (4 + d * 4));

    VectorFileInfo info = inspect_vector_file(p);
    EXPECT_EQ(info.format, VectorFormat::fvecs);
    EXPECT_EQ(info.type, ElementType::float32);
    EXPECT_EQ(info.n, n);
    EXPECT_EQ(info.d, d);

    Matrix<float> m = read_float_vectors(p);
    EXPECT_EQ(m.n, n);
    EXPECT_EQ(m.d, d);
    EXPECT_EQ(m.values, x);
}

TEST_F(CliReaders, ReadsOnlyTheRequestedPrefix) {
    const size_t n = 10, d = 3;
    std::vector<float> x = sample_floats(n * d);
    std::string p = path("a.fvecs");
    write_fvecs(p, x.data(), n, d);
    Matrix<float> m = read_float_vectors(p, 4);
    EXPECT_EQ(m.n, 4u);
    EXPECT_EQ(m.values, std::vector<float>(x.begin(), x.begin() + 4 * d));
    EXPECT_EQ(read_float_vectors(p, 1000).n, n);
}

TEST_F(CliReaders, BvecsRoundTripBecomesFloat) {
    const size_t n = 20, d = 7;
    std::vector<uint8_t> x(n * d);
    for (size_t i = 0; i < x.size(); i++) {
        x[i] = uint8_t(i * 13);
    }
    std::string p = path("a.bvecs");
    write_bvecs(p, x.data(), n, d);
    EXPECT_EQ(inspect_vector_file(p).type, ElementType::uint8);
    Matrix<float> m = read_float_vectors(p);
    ASSERT_EQ(m.values.size(), x.size());
    for (size_t i = 0; i < x.size(); i++) {
        EXPECT_EQ(m.values[i], float(x[i]));
    }
}

TEST_F(CliReaders, IvecsRoundTrip) {
    const size_t n = 6, d = 100;
    std::vector<int32_t> x(n * d);
    for (size_t i = 0; i < x.size(); i++) {
        x[i] = int32_t(i) - 50;
    }
    std::string p = path("gt.ivecs");
    write_ivecs(p, x.data(), n, d);
    Matrix<int64_t> m = read_int_vectors(p);
    EXPECT_EQ(m.n, n);
    EXPECT_EQ(m.d, d);
    for (size_t i = 0; i < x.size(); i++) {
        EXPECT_EQ(m.values[i], x[i]);
    }
}

TEST_F(CliReaders, NpyFloatRoundTrips) {
    const size_t n = 9, d = 4;
    std::vector<float> x = sample_floats(n * d);
    std::string p32 = path("a32.npy");
    write_npy(p32, x.data(), ElementType::float32, n, d);
    EXPECT_EQ(read_float_vectors(p32).values, x);
    EXPECT_EQ(read_bytes(p32).size() % 64, n * d * 4 % 64) << "data should start 64-byte aligned";

    std::vector<double> x64(x.begin(), x.end());
    std::string p64 = path("a64.npy");
    write_npy(p64, x64.data(), ElementType::float64, n, d);
    VectorFileInfo info = inspect_vector_file(p64);
    EXPECT_EQ(info.type, ElementType::float64);
    EXPECT_EQ(info.npy_version, 1);
    EXPECT_EQ(read_float_vectors(p64).values, x);

    std::vector<uint8_t> x8(n * d, 200);
    std::string p8 = path("a8.npy");
    write_npy(p8, x8.data(), ElementType::uint8, n, d);
    EXPECT_EQ(read_float_vectors(p8).values, std::vector<float>(n * d, 200.0f));
}

TEST_F(CliReaders, NpyIntRoundTrips) {
    std::vector<int64_t> ids = {5, -1, int64_t(1) << 40, 0, 7, 8};
    std::string p = path("ids.npy");
    write_npy(p, ids.data(), ElementType::int64, 3, 2);
    Matrix<int64_t> m = read_int_vectors(p);
    EXPECT_EQ(m.n, 3u);
    EXPECT_EQ(m.d, 2u);
    EXPECT_EQ(m.values, ids);

    std::vector<int32_t> ids32 = {1, 2, 3};
    std::string p32 = path("ids32.npy");
    write_npy(p32, ids32.data(), ElementType::int32, 3, 1);
    EXPECT_EQ(read_int_vectors(p32).values, std::vector<int64_t>({1, 2, 3}));
}

TEST_F(CliReaders, NpyAsNumpyWritesIt) {
    std::vector<float> x = {1, 2, 3, 4, 5, 6};
    // Version 1.0 with numpy's spacing, version 2.0, double quotes and no
    // trailing comma are all valid.
    std::string v1 = write_bytes(
            "v1.npy",
            npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2), }", raw(x)));
    std::string v2 = write_bytes(
            "v2.npy",
            npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", raw(x), 2));
    std::string dq = write_bytes(
            "dq.npy",
            npy_bytes("{\"shape\": (6,1), \"descr\": \"<f4\", \"fortran_order\": False}", raw(x)));
    EXPECT_EQ(read_float_vectors(v1).values, x);
    EXPECT_EQ(inspect_vector_file(v2).d, 3u);
    EXPECT_EQ(inspect_vector_file(v2).npy_version, 2);
    EXPECT_EQ(read_float_vectors(v2).values, x);
    EXPECT_EQ(inspect_vector_file(dq).n, 6u);
}

TEST_F(CliReaders, NpyRecognisedByContentUnderAnotherName) {
    std::vector<float> x = {1, 2};
    std::string p = path("vectors.bin");
    write_npy(p, x.data(), ElementType::float32, 1, 2);
    EXPECT_EQ(inspect_vector_file(p).format, VectorFormat::npy);
    EXPECT_EQ(read_float_vectors(p).values, x);
}

TEST_F(CliReaders, EmptyNpyArrayHasNoRows) {
    std::string p = write_bytes(
            "empty.npy",
            npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (0, 8), }", ""));
    Matrix<float> m = read_float_vectors(p);
    EXPECT_EQ(m.n, 0u);
    EXPECT_EQ(m.d, 8u);
}

TEST_F(CliReaders, TexmexDamageIsReported) {
    std::vector<float> x = sample_floats(4 * 3);
    std::string good = path("good.fvecs");
    write_fvecs(good, x.data(), 4, 3);
    std::string bytes = read_bytes(good);

    std::string truncated = write_bytes("truncated.fvecs", bytes.substr(0, bytes.size() - 5));
    expect_error(
            [&] {
                read_float_vectors(truncated);
            },
            "not a whole number of 16-byte records");

    // Same size, but the third record claims another dimension.
    std::string mixed = bytes;
    std::memcpy(&mixed[2 * 16], int32_bytes(2).data(), 4);
    std::string mixed_path = write_bytes("mixed.fvecs", mixed);
    expect_error(
            [&] {
                read_float_vectors(mixed_path);
            },
            "record 2 declares dimension 2");

    std::string empty = write_bytes("empty.fvecs", "");
    expect_error(
            [&] {
                read_float_vectors(empty);
            },
            "file is empty");

    std::string tiny = write_bytes("tiny.ivecs", "ab");
    expect_error(
            [&] {
                read_int_vectors(tiny);
            },
            "too short");

    std::string negative = write_bytes("negative.fvecs", int32_bytes(-4) + std::string(16, '\0'));
    expect_error(
            [&] {
                read_float_vectors(negative);
            },
            "first record declares dimension -4");

    std::string absurd = write_bytes("absurd.bvecs", int32_bytes(1 << 30) + std::string(64, '\0'));
    expect_error(
            [&] {
                inspect_vector_file(absurd);
            },
            "first record declares dimension 1073741824");
}

TEST_F(CliReaders, NpyDamageIsReported) {
    std::vector<float> x(6, 1.0f);
    auto npy = [&](const std::string& name, const std::string& dict, const std::string& data) {
        return write_bytes(name, npy_bytes(dict, data));
    };
    std::string fortran =
            npy("f.npy", "{'descr': '<f4', 'fortran_order': True, 'shape': (3, 2), }", raw(x));
    expect_error(
            [&] {
                read_float_vectors(fortran);
            },
            "Fortran-order");

    std::string big =
            npy("b.npy", "{'descr': '>f4', 'fortran_order': False, 'shape': (3, 2), }", raw(x));
    expect_error(
            [&] {
                read_float_vectors(big);
            },
            "big-endian dtype '>f4'");

    std::string half =
            npy("h.npy", "{'descr': '<f2', 'fortran_order': False, 'shape': (3, 2), }", raw(x));
    expect_error(
            [&] {
                read_float_vectors(half);
            },
            "unsupported dtype '<f2'");

    std::string one_d =
            npy("1d.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (6,), }", raw(x));
    expect_error(
            [&] {
                read_float_vectors(one_d);
            },
            "expected a 2-D array (n, d), got shape (6,)");

    std::string three_d =
            npy("3d.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 3, 2), }", raw(x));
    expect_error(
            [&] {
                read_float_vectors(three_d);
            },
            "got shape (1, 3, 2)");

    std::string short_data =
            npy("s.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (4, 2), }", raw(x));
    expect_error(
            [&] {
                read_float_vectors(short_data);
            },
            "truncated");

    std::string extra =
            npy("e.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }", raw(x));
    expect_error(
            [&] {
                read_float_vectors(extra);
            },
            "unexpected bytes after the array data");

    std::string huge =
            npy("u.npy",
                "{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999999999, 1000), }",
                raw(x));
    expect_error(
            [&] {
                read_float_vectors(huge);
            },
            "truncated");

    std::string overflow =
            npy("o.npy",
                "{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999999, 2), }",
                raw(x));
    expect_error(
            [&] {
                read_float_vectors(overflow);
            },
            "does not fit in 64 bits");

    std::string garbled =
            npy("g.npy", "{'descr': '<f4', 'fortran_order': Nope, 'shape': (3, 2), }", raw(x));
    expect_error(
            [&] {
                read_float_vectors(garbled);
            },
            "malformed .npy header");

    std::string missing = npy("m.npy", "{'descr': '<f4', 'shape': (3, 2), }", raw(x));
    expect_error(
            [&] {
                read_float_vectors(missing);
            },
            "lacks one of");

    std::string structured =
            npy("r.npy", "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (3, 2), }",
                raw(x));
    expect_error(
            [&] {
                read_float_vectors(structured);
            },
            "structured dtypes");

    std::string bad_magic = write_bytes("magic.npy", "NUMPY!" + std::string(64, ' '));
    expect_error(
            [&] {
                read_float_vectors(bad_magic);
            },
            "not a .npy file");

    std::string version =
            npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2), }", raw(x));
    version[6] = 9;
    std::string version_path = write_bytes("v9.npy", version);
    expect_error(
            [&] {
                read_float_vectors(version_path);
            },
            "unsupported .npy format version 9.0");

    std::string header_past_end =
            npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2), }", "");
    header_past_end[8] = char(0xff);
    header_past_end[9] = char(0x7f);
    std::string past_end_path = write_bytes("past.npy", header_past_end);
    expect_error(
            [&] {
                read_float_vectors(past_end_path);
            },
            "header runs past the end");

    std::string tiny = write_bytes("tiny.npy", "\x93NUM");
    expect_error(
            [&] {
                read_float_vectors(tiny);
            },
            "too short for a .npy file");
}

TEST_F(CliReaders, WrongKindOfFileIsReported) {
    expect_error(
            [&] {
                read_float_vectors(path("missing.fvecs"));
            },
            "cannot open");
    std::string unknown = write_bytes("data.csv", "1,2,3\n");
    expect_error(
            [&] {
                read_float_vectors(unknown);
            },
            "unknown vector file type");

    std::vector<int32_t> ids = {1, 2};
    std::string ivecs = path("ids.ivecs");
    write_ivecs(ivecs, ids.data(), 1, 2);
    expect_error(
            [&] {
                read_float_vectors(ivecs);
            },
            "holds int32 values");

    std::vector<float> x = {1, 2};
    std::string fvecs = path("x.fvecs");
    write_fvecs(fvecs, x.data(), 1, 2);
    expect_error(
            [&] {
                read_int_vectors(fvecs);
            },
            "integer ids must be .ivecs");

    expect_error(
            [&] {
                inspect_vector_file(dir_.string() + "/.fvecs");
            },
            "cannot open");
    fs::create_directories(dir_ / "dir.fvecs");
    expect_error(
            [&] {
                inspect_vector_file(path("dir.fvecs"));
            },
            "not a regular file");
}

TEST_F(CliReaders, NonFiniteValuesAreRejected) {
    std::vector<float> x = {1, 2, 3, std::numeric_limits<float>::quiet_NaN(), 5, 6};
    std::string p = path("nan.fvecs");
    write_fvecs(p, x.data(), 2, 3);
    expect_error(
            [&] {
                read_float_vectors(p);
            },
            "vector 1 has a non-finite value");

    std::vector<double> big = {1e300, 0};
    std::string p64 = path("big.npy");
    write_npy(p64, big.data(), ElementType::float64, 1, 2);
    expect_error(
            [&] {
                read_float_vectors(p64);
            },
            "after conversion to float32");
}

TEST_F(CliReaders, ScanValuesSummarises) {
    std::vector<float> x = {0, 4, -2, std::numeric_limits<float>::infinity(), 10, 2};
    std::string p = path("s.fvecs");
    write_fvecs(p, x.data(), 3, 2);
    size_t last_done = 0, total = 0;
    ValueStats s = scan_values(p, [&](size_t done, size_t all) {
        last_done = done;
        total = all;
    });
    EXPECT_EQ(s.count, 6u);
    EXPECT_EQ(s.non_finite, 1u);
    EXPECT_EQ(s.min, -2);
    EXPECT_EQ(s.max, 10);
    EXPECT_DOUBLE_EQ(s.mean, 14.0 / 5);
    EXPECT_TRUE(s.all_integers);
    EXPECT_EQ(last_done, 3u);
    EXPECT_EQ(total, 3u);

    std::vector<float> frac = {0.5f};
    std::string pf = path("f.fvecs");
    write_fvecs(pf, frac.data(), 1, 1);
    EXPECT_FALSE(scan_values(pf).all_integers);
}

TEST(CliGroundTruth, ExactNeighborsMatchBruteForce) {
    // More queries than one block of the chunked computation.
    const size_t nb = 300, nq = 1100, d = 8, k = 3;
    Matrix<float> base, queries;
    base.n = nb;
    base.d = d;
    base.values = test::clustered_vectors(nb, d, 11);
    queries.n = nq;
    queries.d = d;
    queries.values = test::clustered_vectors(nq, d, 12);
    for (MetricType metric : {METRIC_L2, METRIC_INNER_PRODUCT}) {
        Matrix<int64_t> gt = exact_neighbors(base, queries, k, metric, true);
        ASSERT_EQ(gt.n, nq);
        ASSERT_EQ(gt.d, k);
        test::KnnResult ref = test::brute_force_knn(
                queries.values.data(), nq, base.values.data(), nb, d, k, metric);
        for (size_t q = 0; q < nq; q++) {
            for (size_t i = 0; i < k; i++) {
                int64_t id = gt.row(q)[i];
                ASSERT_GE(id, 0);
                double got = test::exact_distance(queries.row(q), base.row(size_t(id)), d, metric);
                ASSERT_NEAR(got, ref.D[q * k + i], 1e-3 * std::max(1.0, std::abs(got)))
                        << "query " << q << " rank " << i << " metric " << metric_name(metric);
            }
        }
    }
}

TEST(CliRecall, CountsQueriesWhoseTrueNeighbourIsInTopK) {
    Matrix<int64_t> gt;
    gt.n = 4;
    gt.d = 2;
    gt.values = {7, 1, 3, 0, 5, 9, 2, 2};
    // Query 0 finds 7 first, query 1 finds 3 second, query 2 misses 5, query 3 finds 2 third.
    std::vector<idx_t> labels = {7, 8, 9, 4, 3, 1, 6, 6, 6, 0, 1, 2};
    EXPECT_DOUBLE_EQ(recall_at(gt, labels.data(), 4, 3, 1), 0.25);
    EXPECT_DOUBLE_EQ(recall_at(gt, labels.data(), 4, 3, 2), 0.5);
    EXPECT_DOUBLE_EQ(recall_at(gt, labels.data(), 4, 3, 3), 0.75);
    EXPECT_THROW(recall_at(gt, labels.data(), 4, 3, 4), FaisslikeException);
}

TEST(CliRecall, GroundTruthMustMatchTheData) {
    Matrix<int64_t> gt;
    gt.n = 2;
    gt.d = 1;
    gt.values = {3, 10};
    EXPECT_NO_THROW(check_ground_truth(gt, 2, 11, "gt.ivecs"));
    expect_error(
            [&] {
                check_ground_truth(gt, 3, 11, "gt.ivecs");
            },
            "fewer than the 3 queries");
    expect_error(
            [&] {
                check_ground_truth(gt, 2, 10, "gt.ivecs");
            },
            "nearest neighbour 10 of query 1 is not a row of the 10 base vectors");
}

} // namespace
} // namespace faisslike::tools
