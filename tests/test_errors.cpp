// The error contract: message shape, and the "not supported" defaults of Index.

#include <gtest/gtest.h>

#include <functional>
#include <string>

#include <faisslike/Index.h>
#include <faisslike/impl/FaisslikeException.h>
#include <faisslike/impl/IDSelector.h>

namespace faisslike {
namespace {

/// The smallest index there is: it stores nothing and supports only the pure methods.
struct MinimalIndex : Index {
    explicit MinimalIndex(int d) : Index(d) {}
    void add(idx_t n, const float*) override { ntotal += n; }
    void search(idx_t n, const float*, idx_t k, float* D, idx_t* I,
                const SearchParameters*) const override {
        for (idx_t i = 0; i < n * k; i++) {
            D[i] = 0;
            I[i] = 0;
        }
    }
    void reset() override { ntotal = 0; }
};

void expect_message(const std::function<void()>& call, const std::string& needle) {
    try {
        call();
        FAIL() << "expected an exception containing \"" << needle << "\"";
    } catch (const FaisslikeException& e) {
        std::string what = e.what();
        EXPECT_NE(what.find(needle), std::string::npos) << what;
        EXPECT_NE(what.find("MinimalIndex"), std::string::npos) << what;
    }
}

TEST(Errors, MessageCarriesFunctionFileAndLine) {
    try {
        FAISSLIKE_THROW_IF_NOT_MSG(1 + 1 == 3, "arithmetic is broken");
        FAIL();
    } catch (const FaisslikeException& e) {
        std::string what = e.what();
        EXPECT_EQ(what.rfind("Error in ", 0), 0u) << what;
        EXPECT_NE(what.find("test_errors.cpp:"), std::string::npos) << what;
        EXPECT_NE(what.find("'1 + 1 == 3' failed: arithmetic is broken"), std::string::npos);
        EXPECT_EQ(e.msg(), "Error: '1 + 1 == 3' failed: arithmetic is broken");
        EXPECT_GT(e.line(), 0);
        EXPECT_NE(e.function().find("TestBody"), std::string::npos);
    }
    try {
        FAISSLIKE_THROW_FMT("%d vectors of dimension %s", 3, "d");
    } catch (const FaisslikeException& e) {
        EXPECT_EQ(e.msg(), "3 vectors of dimension d");
    }
}

TEST(Errors, DefaultsSayWhatIsNotSupported) {
    MinimalIndex index(4);
    float x[4] = {0, 0, 0, 0};
    idx_t id = 0;
    IDSelectorAll all;
    expect_message([&] { index.add_with_ids(1, x, &id); }, "add_with_ids not implemented");
    expect_message([&] { index.remove_ids(all); }, "remove_ids not implemented for this type of index");
    expect_message([&] { index.reconstruct(0, x); }, "reconstruct not implemented");
    expect_message([&] { index.range_search(1, x, 1.0f, nullptr); }, "range search not implemented");
    expect_message([&] { index.sa_code_size(); }, "not supported by MinimalIndex");
    expect_message([&] { index.sa_encode(1, x, nullptr); }, "standalone codec");
    expect_message([&] { index.sa_decode(1, nullptr, x); }, "standalone codec");
    MinimalIndex other(4);
    expect_message([&] { index.merge_from(other); }, "merge_from() not implemented");
    expect_message([&] { index.check_compatible_for_merge(other); }, "check_compatible_for_merge()");
    EXPECT_EQ(index.index_name(), "MinimalIndex");
}

TEST(Errors, AssignChecksKAndUsesSearch) {
    MinimalIndex index(2);
    float x[2] = {1, 2};
    idx_t labels[3] = {-5, -5, -5};
    EXPECT_THROW(index.assign(1, x, labels, 0), FaisslikeException);
    index.assign(1, x, labels, 3);
    EXPECT_EQ(labels[0], 0);
    EXPECT_EQ(labels[2], 0);
}

} // namespace
} // namespace faisslike
