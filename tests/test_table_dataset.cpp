// Dataset tables: export_dataset gives every stored (id, vector) pair once,
// borrowing the index's memory where it stores raw floats; add_from_stream
// adds a table to an index with the results of a direct add, and refuses
// malformed tables without touching the index.

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <map>
#include <memory>

#include <faisslike/IndexFlat.h>
#include <faisslike/IndexHNSW.h>
#include <faisslike/IndexIDMap.h>
#include <faisslike/IndexIVF.h>
#include <faisslike/impl/FaisslikeException.h>
#include <faisslike/index_factory.h>
#include <faisslike/table/dataset_table.h>

#include "test_util.h"

namespace faisslike {
namespace table {
namespace {

using test::error_of;

using test::clustered_vectors;

constexpr int kD = 12;
constexpr size_t kNb = 700;


std::shared_ptr<Index> build(const char* spec, MetricType metric = METRIC_L2) {
    std::shared_ptr<Index> index(index_factory(kD, spec, metric));
    auto xb = clustered_vectors(kNb, kD, 7);
    index->train(kNb, xb.data());
    test::add_vectors(*index, kNb, xb.data());
    return index;
}

/// Every (id, vector) of an exported dataset, with the batch sizes.
struct Rows {
    std::map<idx_t, std::vector<float>> by_id;
    std::vector<int64_t> batch_sizes;
    std::vector<const void*> vector_buffers;
};

Rows read_rows(ArrowArrayStream* s, int d, const std::string& vcol = "vector", const std::string& icol = "id") {
    ImportedTable t = read_stream(s, "dataset");
    EXPECT_EQ(*find_metadata(t.metadata, "faisslike:format"), "1");
    Rows r;
    int v = t.require_column(vcol), i = t.require_column(icol);
    EXPECT_STREQ(t.schema->children[i]->format, "l");
    EXPECT_EQ(t.schema->children[i]->flags & ARROW_FLAG_NULLABLE, 0);
    for (size_t b = 0; b < t.batches.size(); b++) {
        BatchReader br(t, b);
        const float* x = br.fixed_size_list<float>(v, d);
        const int64_t* ids = br.primitive<int64_t>(i);
        r.batch_sizes.push_back(br.length());
        r.vector_buffers.push_back(x);
        for (int64_t k = 0; k < br.length(); k++) {
            EXPECT_TRUE(r.by_id.emplace(ids[k], std::vector<float>(x + k * d, x + (k + 1) * d)).second)
                    << "id " << ids[k] << " exported twice";
        }
    }
    return r;
}

/// The vector an index stores for an id, as reconstruct gives it.
std::vector<float> stored(const Index& index, idx_t key) {
    std::vector<float> v(size_t(index.d));
    if (auto* idmap = dynamic_cast<const IndexIDMap*>(&index)) {
        // IndexIDMap cannot reconstruct by id: find the row of the id.
        auto row = std::find(idmap->id_map.begin(), idmap->id_map.end(), key) - idmap->id_map.begin();
        idmap->index->reconstruct(row, v.data());
        return v;
    }
    index.reconstruct(key, v.data());
    return v;
}

TEST(TableDataset, FlatIsExportedWithoutCopy) {
    auto index = build("Flat");
    const float* xb = std::static_pointer_cast<IndexFlat>(index)->get_xb();
    ArrowArrayStream s;
    DatasetExportOptions opt;
    opt.batch_size = 300;
    export_dataset(std::shared_ptr<const Index>(index), &s, opt);
    Rows r = read_rows(&s, kD);
    EXPECT_EQ(r.batch_sizes, (std::vector<int64_t>{300, 300, 100}));
    EXPECT_EQ(r.vector_buffers[0], xb) << "the vectors must be borrowed";
    EXPECT_EQ(r.vector_buffers[1], xb + 300 * kD);
    ASSERT_EQ(r.by_id.size(), kNb);
    for (const auto& [id, v] : r.by_id) {
        EXPECT_EQ(v, stored(*index, id));
    }
}

TEST(TableDataset, StreamKeepsTheIndexAlive) {
    auto index = build("Flat");
    std::weak_ptr<Index> watch = index;
    ArrowArrayStream s;
    export_dataset(std::shared_ptr<const Index>(index), &s);
    index.reset();
    EXPECT_FALSE(watch.expired());
    ImportedTable t = read_stream(&s, "dataset");
    EXPECT_FALSE(watch.expired()) << "the batches hold the index";
    EXPECT_EQ(t.num_rows(), int64_t(kNb));
    t.batches.clear();
    EXPECT_TRUE(watch.expired());
}

TEST(TableDataset, WithoutOwnerEverythingIsCopied) {
    auto index = build("Flat");
    ArrowArrayStream s;
    export_dataset(*index, nullptr, &s);
    Rows r = read_rows(&s, kD);
    EXPECT_NE(r.vector_buffers[0], std::static_pointer_cast<IndexFlat>(index)->get_xb());
    index.reset(); // the rows read above are copies
    EXPECT_EQ(r.by_id.size(), kNb);
}

TEST(TableDataset, EveryKindOfIndexExportsItsIdsAndVectors) {
    for (const char* spec : {"IDMap,Flat", "IVF8,Flat", "IVF8,PQ4", "IVF8,SQ8", "HNSW16", "HNSW16_SQ8", "PQ4", "SQ8",
                             "IVF8,PQ4,RFlat", "IDMap2,SQ8"}) {
        SCOPED_TRACE(spec);
        auto index = build(spec);
        if (IndexIVF* ivf = dynamic_cast<IndexIVF*>(index.get())) {
            ivf->make_direct_map();
        }
        ArrowArrayStream s;
        DatasetExportOptions opt;
        opt.batch_size = 256;
        export_dataset(std::shared_ptr<const Index>(index), &s, opt);
        Rows r = read_rows(&s, kD);
        ASSERT_EQ(r.by_id.size(), kNb);
        for (int64_t n : r.batch_sizes) {
            EXPECT_LE(n, 256);
        }
        for (const auto& [id, v] : r.by_id) {
            ASSERT_EQ(v, stored(*index, id)) << "id " << id;
        }
    }
}

TEST(TableDataset, RoundTripThroughAStreamGivesTheSameIndex) {
    for (const char* spec : {"Flat", "IDMap,Flat", "IVF8,Flat", "HNSW16"}) {
        for (MetricType metric : {METRIC_L2, METRIC_INNER_PRODUCT}) {
            SCOPED_TRACE(std::string(spec) + (metric == METRIC_L2 ? " L2" : " IP"));
            auto a = build(spec, metric);
            std::unique_ptr<Index> b(index_factory(kD, spec, metric));
            auto xb = clustered_vectors(kNb, kD, 7);
            b->train(kNb, xb.data()); // same training data: same quantizer
            ArrowArrayStream s;
            DatasetExportOptions opt;
            opt.batch_size = 333;
            export_dataset(std::shared_ptr<const Index>(a), &s, opt);
            if (std::string(spec) == "IVF8,Flat" || std::string(spec) == "HNSW16") {
                // Lists / graph order differ from insertion order: compare the
                // content, not the search (an IVF re-add keeps the lists).
                EXPECT_EQ(add_from_stream(*b, &s), idx_t(kNb));
                EXPECT_EQ(b->ntotal, a->ntotal);
                continue;
            }
            EXPECT_EQ(add_from_stream(*b, &s), idx_t(kNb));
            auto xq = clustered_vectors(10, kD, 8);
            std::vector<float> Da(50), Db(50);
            std::vector<idx_t> Ia(50), Ib(50);
            a->search(10, xq.data(), 5, Da.data(), Ia.data());
            b->search(10, xq.data(), 5, Db.data(), Ib.data());
            EXPECT_EQ(Ia, Ib);
            EXPECT_EQ(Da, Db);
        }
    }
}

/// A stream of the given vectors, in batches, with an optional id column
/// (int64 or uint64) and an extra utf8 column that must be ignored.
void vectors_stream(const std::vector<float>& x, int d, const std::vector<int64_t>* ids, bool unsigned_ids,
                    int64_t batch, ArrowArrayStream* out, const std::string& id_name = "id") {
    int64_t n = int64_t(x.size()) / d;
    std::vector<FieldSpec> fields = {FieldSpec{"note", "u", true, {}, {}}, fixed_size_list_field<float>("vector", d)};
    if (ids) {
        fields.push_back(unsigned_ids ? primitive_field<uint64_t>(id_name) : primitive_field<int64_t>(id_name));
    }
    std::vector<ArraySpec> batches;
    for (int64_t i0 = 0; i0 < n; i0 += batch) {
        int64_t m = std::min(batch, n - i0);
        auto offsets = std::make_shared<std::vector<int32_t>>(size_t(m + 1), 0);
        static const char text[] = "";
        std::vector<ArraySpec> cols;
        cols.push_back(ArraySpec{m, {nullptr, offsets->data(), text}, {}, {offsets}});
        cols.push_back(fixed_size_list_array(
                owned_array(std::vector<float>(x.begin() + i0 * d, x.begin() + (i0 + m) * d)), m));
        if (ids) {
            if (unsigned_ids) {
                cols.push_back(owned_array(std::vector<uint64_t>(ids->begin() + i0, ids->begin() + i0 + m)));
            } else {
                cols.push_back(owned_array(std::vector<int64_t>(ids->begin() + i0, ids->begin() + i0 + m)));
            }
        }
        batches.push_back(record_batch(std::move(cols), m));
    }
    export_stream(record_batch_schema(std::move(fields)), std::move(batches), out);
}

TEST(TableDataset, AddWithIdsFromTheIdOrRowidColumn) {
    auto x = clustered_vectors(500, kD, 3);
    std::vector<int64_t> ids(500);
    for (size_t i = 0; i < ids.size(); i++) {
        ids[i] = int64_t(i) * 11 + 5;
    }
    IndexFlatL2 ref_flat(kD);
    IndexIDMap ref(&ref_flat);
    ref.add_with_ids(500, x.data(), ids.data());
    for (bool use_rowid : {false, true}) {
        IndexFlatL2 flat(kD);
        IndexIDMap idmap(&flat);
        ArrowArrayStream s;
        vectors_stream(x, kD, &ids, use_rowid, 128, &s, use_rowid ? "_rowid" : "id");
        EXPECT_EQ(add_from_stream(idmap, &s), 500);
        EXPECT_EQ(idmap.id_map, ref.id_map);
        EXPECT_EQ(0, std::memcmp(flat.get_xb(), ref_flat.get_xb(), x.size() * sizeof(float)));
    }
}

TEST(TableDataset, IdModes) {
    auto x = clustered_vectors(100, kD, 3);
    std::vector<int64_t> ids(100);
    for (size_t i = 0; i < ids.size(); i++) {
        ids[i] = int64_t(i) * 2;
    }
    {
        // Ids that are not what add() gives: a flat index refuses them.
        IndexFlatL2 flat(kD);
        ArrowArrayStream s;
        vectors_stream(x, kD, &ids, false, 64, &s);
        std::string e = error_of([&] { add_from_stream(flat, &s); });
        EXPECT_NE(e.find("IDMap"), std::string::npos) << e;
        EXPECT_EQ(flat.ntotal, 0);
    }
    {
        IndexFlatL2 flat(kD);
        ArrowArrayStream s;
        vectors_stream(x, kD, &ids, false, 64, &s);
        AddFromStreamOptions opt;
        opt.id_mode = IdMode::Never;
        EXPECT_EQ(add_from_stream(flat, &s, opt), 100);
        EXPECT_EQ(flat.ntotal, 100);
    }
    {
        IndexFlatL2 flat(kD);
        IndexIDMap idmap(&flat);
        ArrowArrayStream s;
        vectors_stream(x, kD, nullptr, false, 64, &s);
        AddFromStreamOptions opt;
        opt.id_mode = IdMode::Always;
        EXPECT_NE(error_of([&] { add_from_stream(idmap, &s, opt); }).find("none of the id columns 'id', '_rowid'"),
                  std::string::npos);
    }
    {
        // Custom column names.
        IndexFlatL2 flat(kD);
        IndexIDMap idmap(&flat);
        ArrowArrayStream s;
        vectors_stream(x, kD, &ids, false, 64, &s, "label");
        AddFromStreamOptions opt;
        opt.id_columns = {"label"};
        EXPECT_EQ(add_from_stream(idmap, &s, opt), 100);
        EXPECT_EQ(idmap.id_map[7], 14);
    }
}

TEST(TableDataset, MalformedTablesLeaveTheIndexUntouched) {
    auto x = clustered_vectors(100, kD, 3);
    IndexFlatL2 flat(kD);
    flat.add(3, x.data());
    {
        ArrowArrayStream s;
        vectors_stream(std::vector<float>(x.begin(), x.begin() + 8 * 10), 8, nullptr, false, 64, &s);
        std::string e = error_of([&] { add_from_stream(flat, &s); });
        EXPECT_NE(e.find("fixed_size_list<float32, 12>"), std::string::npos) << e;
        EXPECT_NE(e.find("\"+w:8\""), std::string::npos) << e;
    }
    {
        ArrowArrayStream s;
        vectors_stream(x, kD, nullptr, false, 40, &s);
        ImportedTable t = read_stream(&s, "x");
        // A null in the last batch: nothing may be added, not even the first batches.
        static const uint8_t validity[3] = {0xFD, 0xFF, 0xFF};
        ArrowArray& v = *t.batches[2]->children[1];
        v.buffers[0] = validity;
        v.null_count = 1;
        ArrowArrayStream again;
        export_stream(std::move(t), &again);
        std::string e = error_of([&] { add_from_stream(flat, &again); });
        EXPECT_NE(e.find("null values"), std::string::npos) << e;
    }
    {
        std::vector<int64_t> ids(100, -1);
        ArrowArrayStream s;
        vectors_stream(x, kD, &ids, true, 64, &s); // uint64 all bits set
        EXPECT_NE(error_of([&] { add_from_stream(flat, &s); }).find("does not fit in int64"), std::string::npos);
    }
    {
        ArrowArrayStream s;
        export_stream(record_batch_schema({primitive_field<float>("id"), fixed_size_list_field<float>("vector", kD)}),
                      std::vector<ArraySpec>{}, &s);
        EXPECT_NE(error_of([&] { add_from_stream(flat, &s); }).find("must be int64"), std::string::npos);
    }
    {
        ArrowArrayStream s;
        vectors_stream(x, kD, nullptr, false, 64, &s);
        AddFromStreamOptions opt;
        opt.vector_column = "embedding";
        EXPECT_NE(error_of([&] { add_from_stream(flat, &s, opt); }).find("no column 'embedding'"), std::string::npos);
    }
    {
        std::unique_ptr<Index> ivf(index_factory(kD, "IVF4,Flat"));
        ArrowArrayStream s;
        vectors_stream(x, kD, nullptr, false, 64, &s);
        EXPECT_NE(error_of([&] { add_from_stream(*ivf, &s); }).find("not trained"), std::string::npos);
    }
    EXPECT_EQ(flat.ntotal, 3);
}

TEST(TableDataset, ImportIsZeroCopy) {
    // An index that records the pointer add() receives.
    struct Recorder : IndexFlatL2 {
        explicit Recorder(int d) : IndexFlatL2(d) {}
        mutable std::vector<const float*> seen;
        void add(idx_t n, const float* x) override {
            seen.push_back(x);
            IndexFlatL2::add(n, x);
        }
    };
    auto x = clustered_vectors(100, kD, 3);
    ArrowArrayStream s;
    vectors_stream(x, kD, nullptr, false, 100, &s);
    ImportedTable t = read_stream(&s, "x");
    ASSERT_EQ(t.batches.size(), 1u);
    const void* b0 = t.batches[0]->children[1]->children[0]->buffers[1];
    ArrowArrayStream again;
    export_stream(std::move(t), &again);
    Recorder rec(kD);
    EXPECT_EQ(add_from_stream(rec, &again), 100);
    ASSERT_EQ(rec.seen.size(), 1u);
    EXPECT_EQ(static_cast<const void*>(rec.seen[0]), b0);

    // Several batches go in as one add (one all-or-nothing block).
    ArrowArrayStream three;
    vectors_stream(x, kD, nullptr, false, 40, &three);
    Recorder rec3(kD);
    EXPECT_EQ(add_from_stream(rec3, &three), 100);
    ASSERT_EQ(rec3.seen.size(), 1u);
    EXPECT_EQ(rec3.ntotal, 100);
    std::vector<float> back(x.size());
    rec3.reconstruct_n(0, 100, back.data());
    EXPECT_EQ(back, x);
}

TEST(TableDataset, ALaterBatchTheIndexRefusesAddsNothing) {
    // IVF add refuses NaN: the NaN sits in the last of three batches.
    auto x = clustered_vectors(100, kD, 3);
    std::unique_ptr<Index> ivf(index_factory(kD, "IVF4,Flat"));
    ivf->train(100, x.data());
    x[95 * kD + 2] = std::nanf("");
    ArrowArrayStream s;
    vectors_stream(x, kD, nullptr, false, 40, &s);
    EXPECT_THROW(add_from_stream(*ivf, &s), FaisslikeException);
    EXPECT_EQ(ivf->ntotal, 0);
}

} // namespace
} // namespace table
} // namespace faisslike
