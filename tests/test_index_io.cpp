// Index files: round trips for every built-in type (same search results, the
// same bytes when written again), damaged and hostile files (clear errors,
// never a crash), atomic writes, cloning, and user-registered types.

#include <gtest/gtest.h>

#include <dirent.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <random>

#include <faisslike/IVFlib.h>
#include <faisslike/IndexFlat.h>
#include <faisslike/IndexHNSW.h>
#include <faisslike/IndexIDMap.h>
#include <faisslike/IndexIVFFlat.h>
#include <faisslike/IndexPreTransform.h>
#include <faisslike/IndexRefine.h>
#include <faisslike/VectorTransform.h>
#include <faisslike/clone_index.h>
#include <faisslike/impl/FaisslikeException.h>
#include <faisslike/impl/index_registry.h>
#include <faisslike/index_factory.h>
#include <faisslike/index_io.h>
#include <faisslike/invlists/InvertedLists.h>

#include "test_util.h"

namespace faisslike {
namespace {

using test::clustered_vectors;

constexpr int kD = 16;
constexpr size_t kNb = 600, kNq = 12, kK = 5;

/// A built, trained and filled index for a factory string.
std::unique_ptr<Index> build(const std::string& spec, MetricType metric = METRIC_L2) {
    std::unique_ptr<Index> index(index_factory(kD, spec.c_str(), metric));
    auto xb = clustered_vectors(kNb, kD, 80);
    index->train(kNb, xb.data());
    if (dynamic_cast<IndexIDMap*>(index.get())) {
        std::vector<idx_t> ids(kNb);
        for (size_t i = 0; i < kNb; i++) {
            ids[i] = idx_t(i) * 3 + 100;
        }
        index->add_with_ids(kNb, xb.data(), ids.data());
    } else {
        index->add(kNb, xb.data());
    }
    if (IndexIVF* ivf = try_extract_index_ivf(index.get())) {
        ivf->nprobe = 3;
    }
    return index;
}

void expect_same_search(const Index& a, const Index& b) {
    auto xq = clustered_vectors(kNq, kD, 81);
    std::vector<float> Da(kNq * kK), Db(kNq * kK);
    std::vector<idx_t> Ia(kNq * kK), Ib(kNq * kK);
    a.search(kNq, xq.data(), kK, Da.data(), Ia.data());
    b.search(kNq, xq.data(), kK, Db.data(), Ib.data());
    EXPECT_EQ(Ia, Ib);
    EXPECT_EQ(Da, Db);
}

class RoundTrip : public ::testing::TestWithParam<std::pair<const char*, MetricType>> {};

TEST_P(RoundTrip, SameResultsAndSameBytes) {
    auto [spec, metric] = GetParam();
    auto index = build(spec, metric);
    std::vector<uint8_t> bytes = serialize_index(index.get());
    std::unique_ptr<Index> back(deserialize_index(bytes));
    EXPECT_EQ(back->d, index->d);
    EXPECT_EQ(back->ntotal, index->ntotal);
    EXPECT_EQ(back->metric_type, index->metric_type);
    EXPECT_EQ(back->is_trained, index->is_trained);
    expect_same_search(*index, *back);
    // Same bytes written again: same type code, parameters and content (the type
    // may be more specific, e.g. IndexFlat reads back as IndexFlatL2, as in Faiss).
    EXPECT_EQ(serialize_index(back.get()), bytes) << "written again, the bytes must not change";

    std::unique_ptr<Index> cloned(clone_index(index.get()));
    expect_same_search(*index, *cloned);
}

INSTANTIATE_TEST_SUITE_P(
        AllTypes,
        RoundTrip,
        ::testing::Values(std::make_pair("Flat", METRIC_L2), std::make_pair("Flat", METRIC_INNER_PRODUCT),
                          std::make_pair("IDMap,Flat", METRIC_L2), std::make_pair("IDMap2,Flat", METRIC_L2),
                          std::make_pair("IVF8,Flat", METRIC_L2), std::make_pair("IVF8,Flat", METRIC_INNER_PRODUCT),
                          std::make_pair("IDMap2,IVF8,Flat", METRIC_L2),
                          std::make_pair("PCA8,IVF8,Flat", METRIC_L2), std::make_pair("PCAWR8,Flat", METRIC_L2),
                          std::make_pair("RR16,Flat", METRIC_L2), std::make_pair("OPQ4,IVF8,PQ4", METRIC_L2),
                          std::make_pair("L2norm,Flat", METRIC_INNER_PRODUCT),
                          std::make_pair("IVF8,Flat,RFlat", METRIC_L2),
                          std::make_pair("IVF8,Flat,Refine(Flat)", METRIC_L2)));

TEST(IndexIO, DirectMapsSurviveTheRoundTrip) {
    for (auto type : {DirectMap::Array, DirectMap::Hashtable}) {
        auto index = build("IVF8,Flat");
        auto* ivf = extract_index_ivf(index.get());
        ivf->set_direct_map_type(type);
        std::unique_ptr<Index> back(deserialize_index(serialize_index(index.get())));
        auto* ivf_back = extract_index_ivf(back.get());
        EXPECT_EQ(ivf_back->direct_map.type, type);
        std::vector<float> a(kD), b(kD);
        index->reconstruct(123, a.data());
        back->reconstruct(123, b.data());
        EXPECT_EQ(a, b);
    }
}

TEST(IndexIO, FilesAndFileHandles) {
    auto index = build("IDMap,IVF8,Flat");
    char path[] = "/tmp/faisslike_io_XXXXXX";
    int fd = mkstemp(path);
    ASSERT_GE(fd, 0);
    close(fd);
    write_index(index.get(), path);
    std::unique_ptr<Index> back(read_index(path));
    expect_same_search(*index, *back);
    FILE* f = std::fopen(path, "rb");
    std::unique_ptr<Index> via_file(read_index(f));
    std::fclose(f);
    expect_same_search(*index, *via_file);
    std::remove(path);
    try {
        read_index("/nonexistent/dir/x.index");
        FAIL();
    } catch (const FaisslikeException& e) {
        EXPECT_NE(std::string(e.what()).find("could not open"), std::string::npos);
    }
}

TEST(IndexIO, FlatFileLayoutIsFaiss) {
    // Faiss 1.7.3 writes IndexFlatL2 with 2 vectors of d=4 in 77 bytes.
    IndexFlatL2 index(4);
    float x[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    index.add(2, x);
    auto bytes = serialize_index(&index);
    ASSERT_EQ(bytes.size(), 77u);
    EXPECT_EQ(0, std::memcmp(bytes.data(), "IxF2", 4));
    int32_t d;
    int64_t ntotal, count;
    std::memcpy(&d, &bytes[4], 4);
    std::memcpy(&ntotal, &bytes[8], 8);
    std::memcpy(&count, &bytes[37], 8);
    EXPECT_EQ(d, 4);
    EXPECT_EQ(ntotal, 2);
    EXPECT_EQ(count, 8);
    EXPECT_EQ(0, std::memcmp(&bytes[45], x, sizeof(x)));
}

TEST(IndexIO, EveryTruncationIsAnError) {
    auto index = build("IDMap2,PCA8,IVF4,Flat");
    auto* ivf = extract_index_ivf(index.get());
    ivf->set_direct_map_type(DirectMap::Hashtable);
    auto bytes = serialize_index(index.get());
    // Every prefix, densely near the start (headers), sparsely afterwards.
    for (size_t len = 0; len < bytes.size(); len += len < 2048 ? 1 : 97) {
        EXPECT_THROW(deserialize_index(bytes.data(), len), FaisslikeException) << "length " << len;
    }
}

TEST(IndexIO, CorruptedBytesNeverCrash) {
    auto index = build("IDMap,IVF4,Flat");
    extract_index_ivf(index.get())->make_direct_map();
    const auto bytes = serialize_index(index.get());
    std::mt19937 rng(5);
    auto xq = clustered_vectors(2, kD, 82);
    int accepted = 0;
    for (int trial = 0; trial < 3000; trial++) {
        auto damaged = bytes;
        // Mostly single-byte damage in the structural first part of the file.
        size_t at = trial < 1500 ? size_t(trial) % std::min<size_t>(bytes.size(), 1500) : rng() % bytes.size();
        damaged[at] ^= uint8_t(1u << (rng() % 8));
        if (trial % 3 == 0) {
            damaged[rng() % damaged.size()] = uint8_t(rng());
        }
        try {
            std::unique_ptr<Index> back(deserialize_index(damaged));
            // Accepted (the damage hit a value, not the structure): it must work.
            float D[4];
            idx_t I[4];
            back->search(2, xq.data(), 2, D, I);
            accepted++;
        } catch (const FaisslikeException&) {
        }
    }
    EXPECT_GT(accepted, 0) << "damage to vector values should be accepted";
}

TEST(IndexIO, ImpossibleSizesFailBeforeAllocating) {
    IndexFlatL2 index(4);
    float x[4] = {1, 2, 3, 4};
    index.add(1, x);
    auto bytes = serialize_index(&index);
    int64_t huge = int64_t(1) << 40;
    std::memcpy(&bytes[8], &huge, 8); // ntotal
    try {
        deserialize_index(bytes);
        FAIL();
    } catch (const FaisslikeException& e) {
        EXPECT_NE(std::string(e.what()).find("expected"), std::string::npos) << e.what();
    }
    auto bytes2 = serialize_index(&index);
    int64_t count = huge * 4;
    std::memcpy(&bytes2[8], &huge, 8);
    std::memcpy(&bytes2[37], &count, 8);
    try {
        deserialize_index(bytes2);
        FAIL();
    } catch (const FaisslikeException& e) {
        EXPECT_NE(std::string(e.what()).find("remain"), std::string::npos) << e.what();
    }
    std::vector<uint8_t> unknown = {'Q', 'Q', 'Q', 'Q'};
    try {
        deserialize_index(unknown);
        FAIL();
    } catch (const FaisslikeException& e) {
        EXPECT_NE(std::string(e.what()).find("not recognized"), std::string::npos) << e.what();
    }
    // Deep nesting of IndexIDMap blocks is cut off.
    std::vector<uint8_t> nested;
    for (int i = 0; i < 200; i++) {
        auto header = serialize_index(&index);
        nested.insert(nested.end(), {'I', 'x', 'M', 'p'});
        nested.insert(nested.end(), header.begin() + 4, header.begin() + 37);
    }
    EXPECT_THROW(deserialize_index(nested), FaisslikeException);
}

/// An index type the library does not know.
struct UnknownIndex : IndexFlatL2 {
    using IndexFlatL2::IndexFlatL2;
};

size_t count_files(const std::string& dir) {
    size_t n = 0;
    if (DIR* dp = opendir(dir.c_str())) {
        while (readdir(dp)) {
            n++;
        }
        closedir(dp);
    }
    return n;
}

TEST(IndexIO, FailedWriteKeepsTheOldFile) {
    char dir[] = "/tmp/faisslike_atomic_XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    std::string path = std::string(dir) + "/index.faiss";
    auto good = build("Flat");
    write_index(good.get(), path.c_str());
    size_t files_before = count_files(dir);
    UnknownIndex bad(kD);
    try {
        write_index(&bad, path.c_str());
        FAIL();
    } catch (const FaisslikeException& e) {
        EXPECT_NE(std::string(e.what()).find("don't know how to serialize"), std::string::npos);
    }
    EXPECT_EQ(count_files(dir), files_before) << "no temporary file may be left behind";
    std::unique_ptr<Index> still(read_index(path.c_str()));
    expect_same_search(*good, *still);
    std::remove(path.c_str());
    rmdir(dir);
}

TEST(IndexIO, CloneSharesNothing) {
    auto index = build("IDMap2,IVF8,Flat");
    std::unique_ptr<Index> copy(clone_index(index.get()));
    auto xb = clustered_vectors(10, kD, 83);
    std::vector<idx_t> ids(10);
    for (size_t i = 0; i < 10; i++) {
        ids[i] = 1000000 + idx_t(i);
    }
    index->add_with_ids(10, xb.data(), ids.data());
    EXPECT_EQ(copy->ntotal, idx_t(kNb));
    EXPECT_NE(extract_index_ivf(copy.get())->quantizer, extract_index_ivf(index.get())->quantizer);
    index.reset();
    auto xq = clustered_vectors(2, kD, 84);
    float D[2];
    idx_t I[2];
    copy->search(1, xq.data(), 2, D, I); // still usable after the original is gone
    EXPECT_GE(I[0], 100);
}

/// A user-defined index kept outside the library: a flat index that also
/// stores a "tag". It registers its file code and a factory token.
struct TaggedFlat : IndexFlatL2 {
    int32_t tag = 0;
    TaggedFlat() = default;
    TaggedFlat(int d, int32_t tag) : IndexFlatL2(d), tag(tag) {}
};

void register_tagged_flat() {
    static bool done = false;
    if (done) {
        return;
    }
    done = true;
    register_index_io({{"XTag"},
                       {typeid(TaggedFlat)},
                       [](const Index& index, WriteStream& out) {
                           const auto& t = static_cast<const TaggedFlat&>(index);
                           out.write_fourcc("XTag");
                           write_index_header(t, out);
                           out.write(t.tag);
                           out.write_vector(t.get_xb(), size_t(t.ntotal) * t.d);
                       },
                       [](uint32_t, ReadStream& in) {
                           auto t = std::make_unique<TaggedFlat>();
                           read_index_header(*t, in);
                           t->tag = in.read<int32_t>();
                           t->code_size = sizeof(float) * t->d;
                           in.read_vector_as_bytes<float>(t->codes, uint64_t(t->ntotal), uint64_t(t->d));
                           t->sync_l2norms();
                           return std::unique_ptr<Index>(std::move(t));
                       }});
    register_index_factory_code({"Tagged([0-9]+)", "Tagged7",
                                 [](int d, MetricType, const std::smatch& m) {
                                     return std::unique_ptr<Index>(
                                             std::make_unique<TaggedFlat>(d, std::stoi(m[1].str())));
                                 },
                                 nullptr});
}

TEST(IndexIO, UserTypesRegisterFileCodeAndFactoryToken) {
    register_tagged_flat();
    std::unique_ptr<Index> index(index_factory(kD, "IDMap,Tagged42"));
    auto* idmap = dynamic_cast<IndexIDMap*>(index.get());
    ASSERT_NE(idmap, nullptr);
    ASSERT_NE(dynamic_cast<TaggedFlat*>(idmap->index), nullptr);
    auto xb = clustered_vectors(50, kD, 85);
    std::vector<idx_t> ids(50);
    for (size_t i = 0; i < 50; i++) {
        ids[i] = idx_t(i) + 7;
    }
    index->add_with_ids(50, xb.data(), ids.data());
    std::unique_ptr<Index> back(deserialize_index(serialize_index(index.get())));
    auto* tagged = dynamic_cast<TaggedFlat*>(dynamic_cast<IndexIDMap*>(back.get())->index);
    ASSERT_NE(tagged, nullptr);
    EXPECT_EQ(tagged->tag, 42);
    float D;
    idx_t I;
    back->search(1, xb.data() + 5 * kD, 1, &D, &I);
    EXPECT_EQ(I, 12);
    // Its token is not accepted in an IVF position, since it registered no IVF form.
    EXPECT_THROW(index_factory(kD, "IVF4,Tagged1"), FaisslikeException);
    // A second registration of the same code is refused.
    EXPECT_THROW(register_index_io({{"XTag"}, {typeid(TaggedFlat)}, nullptr,
                                    [](uint32_t, ReadStream&) { return std::unique_ptr<Index>(); }}),
                 FaisslikeException);
}

} // namespace
} // namespace faisslike

namespace faisslike {
namespace {

TEST(IndexIO, MemoryMappedListsAreUsedInPlace) {
    auto index = build("IDMap2,IVF8,Flat");
    char path[] = "/tmp/faisslike_mmap_XXXXXX";
    int fd = mkstemp(path);
    ASSERT_GE(fd, 0);
    close(fd);
    write_index(index.get(), path);
    std::unique_ptr<Index> mapped(read_index(path, IO_FLAG_MMAP));
    auto* ivf = extract_index_ivf(mapped.get());
    auto* lists = dynamic_cast<MappedInvertedLists*>(ivf->invlists);
    ASSERT_NE(lists, nullptr) << "IO_FLAG_MMAP must keep the lists in the mapping";
    expect_same_search(*index, *mapped);
    EXPECT_EQ(serialize_index(mapped.get()), serialize_index(index.get()));
    auto x = clustered_vectors(1, kD, 86);
    idx_t id = 99999;
    try {
        mapped->add_with_ids(1, x.data(), &id);
        FAIL() << "memory-mapped lists must refuse changes";
    } catch (const FaisslikeException& e) {
        EXPECT_NE(std::string(e.what()).find("read-only"), std::string::npos) << e.what();
    }
    expect_same_search(*index, *mapped); // unchanged by the refused add
    // The mapping outlives the file name.
    std::remove(path);
    expect_same_search(*index, *mapped);
}

/// The flat-code index inside index (itself, or the storage of an HNSW index).
const IndexFlatCodes* flat_codes_of(const Index& index) {
    if (auto hnsw = dynamic_cast<const IndexHNSW*>(&index)) {
        return dynamic_cast<const IndexFlatCodes*>(hnsw->storage);
    }
    return dynamic_cast<const IndexFlatCodes*>(&index);
}

TEST(IndexIO, MemoryMappedFlatCodesAreUsedInPlaceAndCopiedOnChange) {
    for (const char* spec : {"PQ4", "SQ8", "SQfp16", "HNSW8_SQ8", "Flat"}) {
        SCOPED_TRACE(spec);
        auto index = build(spec);
        char path[] = "/tmp/faisslike_mmap_XXXXXX";
        int fd = mkstemp(path);
        ASSERT_GE(fd, 0);
        close(fd);
        write_index(index.get(), path);
        std::unique_ptr<Index> mapped(read_index(path, IO_FLAG_MMAP));
        std::remove(path); // the mapping outlives the file name
        const IndexFlatCodes* codes = flat_codes_of(*mapped);
        ASSERT_NE(codes, nullptr);
        // Byte codes are used in place; IndexFlat's floats sit at an offset
        // not aligned for floats in Faiss's layout, so they are read into memory.
        bool floats = dynamic_cast<const IndexFlat*>(codes) != nullptr;
        EXPECT_EQ(codes->codes.is_owned(), floats);
        EXPECT_EQ(codes->codes.to_vector(), flat_codes_of(*index)->codes.to_vector());
        expect_same_search(*index, *mapped);
        EXPECT_EQ(serialize_index(mapped.get()), serialize_index(index.get()));

        // A change copies the codes out of the (read-only) mapping first.
        auto x = clustered_vectors(4, kD, 87);
        mapped->add(4, x.data());
        index->add(4, x.data());
        EXPECT_TRUE(flat_codes_of(*mapped)->codes.is_owned());
        expect_same_search(*index, *mapped);
    }
}

} // namespace
} // namespace faisslike
