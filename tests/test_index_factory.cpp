// index_factory: the strings it accepts build the right types; others fail clearly.

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <faisslike/IVFlib.h>
#include <faisslike/IndexFlat.h>
#include <faisslike/IndexHNSW.h>
#include <faisslike/IndexIDMap.h>
#include <faisslike/IndexIVFFlat.h>
#include <faisslike/IndexIVFPQ.h>
#include <faisslike/IndexPQ.h>
#include <faisslike/IndexPreTransform.h>
#include <faisslike/IndexRefine.h>
#include <faisslike/IndexScalarQuantizer.h>
#include <faisslike/VectorTransform.h>
#include <faisslike/impl/FaisslikeException.h>
#include <faisslike/index_factory.h>
#include <faisslike/index_io.h>

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

/// Throws a FaisslikeException whose message names `token`.
void expect_error_naming(int d, const char* description, const std::string& token) {
    try {
        std::unique_ptr<Index> index(index_factory(d, description));
        ADD_FAILURE() << "accepted \"" << description << "\"";
    } catch (const FaisslikeException& e) {
        EXPECT_NE(std::string(e.what()).find("\"" + token + "\""), std::string::npos)
                << description << ": " << e.what();
    }
}

TEST(IndexFactory, OPQTokens) {
    {
        std::unique_ptr<Index> index(index_factory(64, "OPQ16,IVF256,PQ16"));
        auto* pre = dynamic_cast<IndexPreTransform*>(index.get());
        ASSERT_NE(pre, nullptr);
        ASSERT_EQ(pre->chain.size(), 1u);
        auto* opq = dynamic_cast<OPQMatrix*>(pre->chain[0]);
        ASSERT_NE(opq, nullptr);
        EXPECT_EQ(opq->M, 16);
        EXPECT_EQ(opq->d_in, 64);
        EXPECT_EQ(opq->d_out, 64);
        EXPECT_FALSE(opq->is_trained);
        auto* ivfpq = dynamic_cast<IndexIVFPQ*>(pre->index);
        ASSERT_NE(ivfpq, nullptr);
        EXPECT_EQ(ivfpq->d, 64);
        EXPECT_EQ(ivfpq->nlist, 256u);
        EXPECT_EQ(ivfpq->pq.M, 16u);
        EXPECT_TRUE(pre->own_fields);
    }
    {
        // OPQ<M>_<d_out>: the following index works in d_out dimensions.
        std::unique_ptr<Index> index(index_factory(128, "OPQ16_64,IVF256,PQ16x8"));
        auto* pre = dynamic_cast<IndexPreTransform*>(index.get());
        ASSERT_NE(pre, nullptr);
        auto* opq = dynamic_cast<OPQMatrix*>(pre->chain[0]);
        ASSERT_NE(opq, nullptr);
        EXPECT_EQ(opq->M, 16);
        EXPECT_EQ(opq->d_in, 128);
        EXPECT_EQ(opq->d_out, 64);
        EXPECT_EQ(pre->d, 128);
        EXPECT_EQ(pre->index->d, 64);
        EXPECT_EQ(dynamic_cast<IndexIVFPQ*>(pre->index)->pq.nbits, 8u);
    }
    {
        // End to end: trains the rotation and the PQ, then finds each vector.
        const size_t d = 32, n = 1000;
        std::unique_ptr<Index> index(index_factory(d, "OPQ8,PQ8"));
        auto* pre = dynamic_cast<IndexPreTransform*>(index.get());
        ASSERT_NE(pre, nullptr);
        ASSERT_NE(dynamic_cast<IndexPQ*>(pre->index), nullptr);
        dynamic_cast<OPQMatrix*>(pre->chain[0])->niter = 5;
        auto x = test::clustered_vectors(n, d, 71);
        index->train(n, x.data());
        EXPECT_TRUE(pre->chain[0]->is_trained);
        index->add(n, x.data());
        std::vector<float> D(10);
        std::vector<idx_t> I(10);
        size_t found = 0;
        for (size_t q = 0; q < 10; q++) {
            index->search(1, x.data() + q * 37 * d, 1, D.data(), I.data());
            found += I[0] == idx_t(q * 37);
        }
        EXPECT_GE(found, 8u);
    }
    {
        std::unique_ptr<Index> index(index_factory(32, "OPQ4_48,Flat"));
        EXPECT_EQ(dynamic_cast<IndexPreTransform*>(index.get())->index->d, 48);
    }
}

TEST(IndexFactory, BadTokensAreNamed) {
    expect_error_naming(32, "OPQ,PQ8", "OPQ");
    expect_error_naming(32, "OPQ16x,IVF16,PQ8", "OPQ16x");
    expect_error_naming(32, "OPQ8_,PQ8", "OPQ8_");
    expect_error_naming(32, "OPQ_8,PQ8", "OPQ_8");
    expect_error_naming(32, "OPQ8", "OPQ8");
    expect_error_naming(32, "OPQ8,IVF16,PQ8,Flat", "Flat");
    expect_error_naming(32, "OPQ8,IVF16,PQ9x", "PQ9x");
    expect_error_naming(32, "IVF16,Flat,Flat", "Flat");
    expect_error_naming(32, "Flatt,IVF16,Flat", "Flatt");
    // Well-formed but impossible: the output dimension is not a multiple of M.
    expect_error_naming(30, "OPQ16,IVF16,Flat", "OPQ16");
    expect_error_naming(32, "OPQ8_36,Flat", "OPQ8_36");
    expect_error_naming(32, "OPQ8_0,Flat", "OPQ8_0");
    expect_error_naming(32, "OPQ99999999999,Flat", "OPQ99999999999");
}

/// Builds description, checks that reverse_index_factory gives `canonical`,
/// and that the factory builds the same structure back from it: the untrained
/// indexes write the same bytes.
void expect_reverse(int d, const char* description, const std::string& canonical,
                    MetricType metric = METRIC_L2) {
    std::unique_ptr<Index> index(index_factory(d, description, metric));
    std::string reversed = reverse_index_factory(index.get());
    EXPECT_EQ(reversed, canonical) << description;
    std::unique_ptr<Index> rebuilt(index_factory(d, reversed.c_str(), metric));
    EXPECT_EQ(reverse_index_factory(rebuilt.get()), reversed) << description;
    EXPECT_EQ(serialize_index(rebuilt.get()), serialize_index(index.get())) << description;
}

TEST(ReverseIndexFactory, RoundTripsEverySupportedStructure) {
    const std::vector<std::pair<const char*, const char*>> cases = {
            {"Flat", "Flat"},
            {"PQ8", "PQ8x8"},
            {"PQ4x10np", "PQ4x10"},
            {"SQ4", "SQ4"},
            {"SQ6", "SQ6"},
            {"SQ8", "SQ8"},
            {"SQfp16", "SQfp16"},
            {"SQbf16", "SQbf16"},
            {"SQ8_direct", "SQ8_direct"},
            {"SQ8_direct_signed", "SQ8_direct_signed"},
            {"IVF16,Flat", "IVF16,Flat"},
            {"IVF2k,Flat", "IVF2048,Flat"},
            {"IVF16,PQ8x4", "IVF16,PQ8x4"},
            {"IVF16,SQ8", "IVF16,SQ8"},
            {"IVF16_HNSW8,SQfp16", "IVF16_HNSW8,SQfp16"},
            {"HNSW16", "HNSW16"},
            {"HNSW16_PQ8", "HNSW16,PQ8x8"},
            {"HNSW16,SQ8", "HNSW16,SQ8"},
            {"OPQ8,PQ8", "OPQ8_32,PQ8x8"},
            {"OPQ8_16,IVF16,PQ8", "OPQ8_16,IVF16,PQ8x8"},
            {"OPQ4_48,IVF16,Flat", "OPQ4_48,IVF16,Flat"},
            {"PCA16,Flat", "PCA16,Flat"},
            {"PCAR16,IVF16,SQ8", "PCAR16,IVF16,SQ8"},
            {"PCAW16,Flat", "PCAW16,Flat"},
            {"PCAWR8,HNSW16", "PCAWR8,HNSW16"},
            {"IDMap,Flat", "IDMap,Flat"},
            {"Flat,IDMap2", "IDMap2,Flat"},
            {"IDMap2,OPQ8,IVF16,PQ8", "IDMap2,OPQ8_32,IVF16,PQ8x8"},
            {"IVF16,Flat,RFlat", "IVF16,Flat,Refine(Flat)"},
            {"IVF16,PQ8,Refine(SQfp16)", "IVF16,PQ8x8,Refine(SQfp16)"},
            {"IDMap,IVF16,Flat,Refine(OPQ4,PQ4)", "IDMap,IVF16,Flat,Refine(OPQ4_32,PQ4x8)"},
    };
    for (const auto& [description, canonical] : cases) {
        expect_reverse(32, description, canonical);
    }
    expect_reverse(32, "IVF16,Flat", "IVF16,Flat", METRIC_INNER_PRODUCT);
    expect_reverse(32, "HNSW16,SQ4", "HNSW16,SQ4", METRIC_INNER_PRODUCT);
}

TEST(ReverseIndexFactory, IVFOverACustomQuantizerIsWrittenAsFaissDoes) {
    auto* quantizer = new IndexPQ(16, 4, 8);
    IndexIVFFlat ivf(quantizer, 16, 32);
    ivf.own_fields = true;
    EXPECT_EQ(reverse_index_factory(&ivf), "IVF32(PQ4x8),Flat");
}

TEST(ReverseIndexFactory, UnnamableStructuresThrow) {
    auto expect_throw = [](const Index* index, const std::string& phrase) {
        try {
            reverse_index_factory(index);
            ADD_FAILURE() << "no error";
        } catch (const FaisslikeException& e) {
            EXPECT_NE(std::string(e.what()).find(phrase), std::string::npos) << e.what();
        }
    };
    for (const char* description : {"RR16,Flat", "L2norm,Flat"}) {
        std::unique_ptr<Index> index(index_factory(16, description));
        expect_throw(index.get(), "OPQMatrix or a PCAMatrix");
    }
    std::unique_ptr<Index> chain(index_factory(16, "PCA8,RR8,Flat"));
    expect_throw(chain.get(), "2 transforms");
    IndexScalarQuantizer uniform(16, ScalarQuantizer::QT_8bit_uniform);
    expect_throw(&uniform, "no factory string");
    IndexIVFScalarQuantizer ivf_uniform(new IndexFlatL2(16), 16, 4, ScalarQuantizer::QT_4bit_uniform);
    ivf_uniform.own_fields = true;
    expect_throw(&ivf_uniform, "no factory string");
    // An OPQ rotation read from a file is a plain LinearTransform, as in Faiss.
    std::unique_ptr<Index> opq(index_factory(16, "OPQ4,Flat"));
    std::unique_ptr<Index> loaded(deserialize_index(serialize_index(opq.get())));
    expect_throw(loaded.get(), "LinearTransform");
    expect_throw(nullptr, "null index");
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
