// index_factory: the strings it accepts build the right types; others fail clearly.

#include <gtest/gtest.h>

#include <memory>

#include <faisslike/IVFlib.h>
#include <faisslike/IndexFlat.h>
#include <faisslike/IndexIDMap.h>
#include <faisslike/IndexIVFFlat.h>
#include <faisslike/IndexPreTransform.h>
#include <faisslike/IndexRefine.h>
#include <faisslike/VectorTransform.h>
#include <faisslike/impl/FaisslikeException.h>
#include <faisslike/index_factory.h>

#include "test_util.h"

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

TEST(IndexFactory, IVFTransformsAndRefine) {
    {
        std::unique_ptr<Index> index(index_factory(16, "IVF32,Flat", METRIC_INNER_PRODUCT));
        auto* ivf = dynamic_cast<IndexIVFFlat*>(index.get());
        ASSERT_NE(ivf, nullptr);
        EXPECT_EQ(ivf->nlist, 32u);
        EXPECT_TRUE(ivf->own_fields);
        EXPECT_EQ(ivf->quantizer->metric_type, METRIC_INNER_PRODUCT);
        EXPECT_TRUE(ivf->cp.spherical);
        EXPECT_FALSE(ivf->is_trained);
    }
    {
        std::unique_ptr<Index> index(index_factory(16, "IVF2k,Flat"));
        EXPECT_EQ(dynamic_cast<IndexIVF*>(index.get())->nlist, 2048u);
    }
    {
        std::unique_ptr<Index> index(index_factory(32, "PCAW8,RR8,IVF4,Flat"));
        auto* pre = dynamic_cast<IndexPreTransform*>(index.get());
        ASSERT_NE(pre, nullptr);
        ASSERT_EQ(pre->chain.size(), 2u);
        auto* pca = dynamic_cast<PCAMatrix*>(pre->chain[0]);
        ASSERT_NE(pca, nullptr);
        EXPECT_EQ(pca->d_out, 8);
        EXPECT_EQ(pca->eigen_power, -0.5f);
        EXPECT_NE(dynamic_cast<RandomRotationMatrix*>(pre->chain[1]), nullptr);
        EXPECT_EQ(pre->d, 32);
        EXPECT_EQ(pre->index->d, 8);
        // The whole chain trains and searches end to end.
        auto x = test::clustered_vectors(500, 32, 70);
        index->train(500, x.data());
        index->add(500, x.data());
        float D[3];
        idx_t I[3];
        index->search(1, x.data(), 3, D, I);
        EXPECT_GE(I[0], 0);
    }
    {
        std::unique_ptr<Index> index(index_factory(8, "L2norm,Flat", METRIC_INNER_PRODUCT));
        auto* pre = dynamic_cast<IndexPreTransform*>(index.get());
        ASSERT_NE(pre, nullptr);
        EXPECT_NE(dynamic_cast<NormalizationTransform*>(pre->chain[0]), nullptr);
    }
    {
        std::unique_ptr<Index> index(index_factory(8, "IVF4,Flat,RFlat"));
        auto* refine = dynamic_cast<IndexRefineFlat*>(index.get());
        ASSERT_NE(refine, nullptr);
        EXPECT_NE(dynamic_cast<IndexIVFFlat*>(refine->base_index), nullptr);
        EXPECT_TRUE(refine->own_fields);
    }
    {
        std::unique_ptr<Index> index(index_factory(8, "IDMap,IVF4,Flat,Refine(Flat)"));
        auto* idmap = dynamic_cast<IndexIDMap*>(index.get());
        ASSERT_NE(idmap, nullptr);
        auto* refine = dynamic_cast<IndexRefine*>(idmap->index);
        ASSERT_NE(refine, nullptr);
        EXPECT_NE(dynamic_cast<IndexFlat*>(refine->refine_index), nullptr);
    }
}

TEST(IndexFactory, UnknownStringsGiveAParseError) {
    for (const char* s : {"", "Flatt", "IDMap", "IDMap,IDMap,Flat", "Flat,Flat", "flat", "Flat,", "IVF,Flat",
                          "IVF0,Flat", "IVF16", "IVF16,Flot", "PCA,Flat", "Flat,Refine(Flat", "IVF16,Flat,Flat"}) {
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

namespace faisslike {
namespace {

TEST(IVFlib, ExtractIndexIVFLooksThroughWrappers) {
    std::unique_ptr<Index> wrapped(index_factory(16, "IDMap,PCA8,IVF4,Flat,RFlat"));
    IndexIVF* ivf = extract_index_ivf(wrapped.get());
    EXPECT_EQ(ivf->nlist, 4u);
    EXPECT_EQ(ivf->d, 8);
    std::unique_ptr<Index> flat(index_factory(16, "IDMap,Flat"));
    EXPECT_EQ(try_extract_index_ivf(flat.get()), nullptr);
    EXPECT_THROW(extract_index_ivf(flat.get()), FaisslikeException);
}

} // namespace
} // namespace faisslike
