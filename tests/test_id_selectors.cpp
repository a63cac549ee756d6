// IDSelector semantics, checked id by id against their definitions.

#include <gtest/gtest.h>

#include <set>

#include <faisslike/impl/FaisslikeException.h>
#include <faisslike/impl/IDSelector.h>

namespace faisslike {
namespace {

TEST(IDSelector, RangeIsHalfOpen) {
    IDSelectorRange sel(10, 20);
    for (idx_t id = -5; id < 30; id++) {
        EXPECT_EQ(sel.is_member(id), id >= 10 && id < 20) << id;
    }
}

TEST(IDSelector, ArrayAndBatchAgreeWithASet) {
    std::vector<idx_t> ids = {3, 1000000007, -4, 77, 1LL << 40, 3};
    std::set<idx_t> truth(ids.begin(), ids.end());
    IDSelectorArray array(ids.size(), ids.data());
    IDSelectorBatch batch(ids.size(), ids.data());
    for (idx_t id = -10; id < 2000; id++) {
        EXPECT_EQ(array.is_member(id), truth.count(id) == 1) << id;
        EXPECT_EQ(batch.is_member(id), truth.count(id) == 1) << id;
    }
    for (idx_t id : ids) {
        EXPECT_TRUE(array.is_member(id));
        EXPECT_TRUE(batch.is_member(id));
    }
    EXPECT_FALSE(batch.is_member((1LL << 40) + 1));
    IDSelectorBatch empty(0, nullptr);
    EXPECT_FALSE(empty.is_member(0));
}

TEST(IDSelector, BitmapReadsBitsLittleEndianWithinBytes) {
    uint8_t bits[2] = {0b00000101, 0b10000000}; // ids 0, 2, 15
    IDSelectorBitmap sel(2, bits);
    for (idx_t id = -3; id < 24; id++) {
        EXPECT_EQ(sel.is_member(id), id == 0 || id == 2 || id == 15) << id;
    }
}

TEST(IDSelector, CombinatorsFollowBooleanLogic) {
    IDSelectorRange a(0, 10), b(5, 15);
    IDSelectorNot not_a(&a);
    IDSelectorAnd a_and_b(&a, &b);
    IDSelectorOr a_or_b(&a, &b);
    IDSelectorXOr a_xor_b(&a, &b);
    IDSelectorAll all;
    for (idx_t id = -2; id < 20; id++) {
        bool in_a = id >= 0 && id < 10, in_b = id >= 5 && id < 15;
        EXPECT_EQ(not_a.is_member(id), !in_a);
        EXPECT_EQ(a_and_b.is_member(id), in_a && in_b);
        EXPECT_EQ(a_or_b.is_member(id), in_a || in_b);
        EXPECT_EQ(a_xor_b.is_member(id), in_a != in_b);
        EXPECT_TRUE(all.is_member(id));
    }
}

TEST(IDSelector, NullInputsAreRejected) {
    EXPECT_THROW(IDSelectorArray(3, nullptr), FaisslikeException);
    EXPECT_THROW(IDSelectorBatch(3, nullptr), FaisslikeException);
    EXPECT_THROW(IDSelectorBitmap(3, nullptr), FaisslikeException);
    EXPECT_THROW(IDSelectorNot(nullptr), FaisslikeException);
    IDSelectorAll all;
    EXPECT_THROW(IDSelectorAnd(&all, nullptr), FaisslikeException);
    EXPECT_THROW(IDSelectorOr(nullptr, &all), FaisslikeException);
    EXPECT_THROW(IDSelectorXOr(nullptr, nullptr), FaisslikeException);
}

} // namespace
} // namespace faisslike
