// index_factory: the strings it accepts build the right types; others fail clearly.

#include <gtest/gtest.h>

#include <memory>

#include <faisslike/IndexFlat.h>
#include <faisslike/IndexIDMap.h>
#include <faisslike/impl/FaisslikeException.h>
#include <faisslike/index_factory.h>

namespace faisslike {
namespace {

TEST(IndexFactory, FlatHonoursMetric) {
    std::unique_ptr<Index> l2(index_factory(32, "Flat"));
    ASSERT_NE(dynamic_cast<IndexFlat*>(l2.get()), nullptr);
    EXPECT_EQ(l2->d, 32);
    EXPECT_EQ(l2->metric_type, METRIC_L2);
    std::unique_ptr<Index> ip(index_factory(8, "Flat", METRIC_INNER_PRODUCT));
    EXPECT_EQ(ip->metric_type, METRIC_INNER_PRODUCT);
}

TEST(IndexFactory, IDMapPrefixAndSuffix) {
    for (const char* s : {"IDMap,Flat", "Flat,IDMap"}) {
        std::unique_ptr<Index> index(index_factory(4, s));
        auto* idmap = dynamic_cast<IndexIDMap*>(index.get());
        ASSERT_NE(idmap, nullptr) << s;
        EXPECT_EQ(dynamic_cast<IndexIDMap2*>(index.get()), nullptr) << s;
        EXPECT_TRUE(idmap->own_fields);
        EXPECT_NE(dynamic_cast<IndexFlat*>(idmap->index), nullptr);
    }
    for (const char* s : {"IDMap2,Flat", "Flat,IDMap2"}) {
        std::unique_ptr<Index> index(index_factory(4, s, METRIC_INNER_PRODUCT));
        auto* idmap2 = dynamic_cast<IndexIDMap2*>(index.get());
        ASSERT_NE(idmap2, nullptr) << s;
        EXPECT_EQ(idmap2->metric_type, METRIC_INNER_PRODUCT);
        float x[4] = {1, 0, 0, 0};
        idx_t id = 99;
        index->add_with_ids(1, x, &id);
        float back[4];
        index->reconstruct(99, back);
        EXPECT_EQ(back[0], 1.0f);
    }
}

TEST(IndexFactory, UnknownStringsGiveAParseError) {
    for (const char* s : {"", "Flatt", "IDMap", "IDMap,IDMap,Flat", "Flat,Flat", "flat", "Flat,"}) {
        try {
            std::unique_ptr<Index> index(index_factory(8, s));
            FAIL() << "accepted \"" << s << "\"";
        } catch (const FaisslikeException& e) {
            EXPECT_NE(std::string(e.what()).find("could not parse index string"),
                      std::string::npos)
                    << e.what();
        }
    }
    EXPECT_THROW(index_factory(0, "Flat"), FaisslikeException);
    EXPECT_THROW(index_factory(8, nullptr), FaisslikeException);
}

} // namespace
} // namespace faisslike
