// Index bundles: every supported index type, L2 and inner product, goes
// through its tables and comes back with bit-identical search results; the
// tables have Lance's columns and metadata and borrow the index's buffers;
// and damaged tables give clear errors, never a crash.

#include <gtest/gtest.h>

#include <cstring>
#include <memory>

#include <faisslike/IndexFlat.h>
#include <faisslike/IndexHNSW.h>
#include <faisslike/IndexIDMap.h>
#include <faisslike/IndexIVFHNSW.h>
#include <faisslike/IndexIVFPQ.h>
#include <faisslike/IndexRefine.h>
#include <faisslike/IVFlib.h>
#include <faisslike/impl/FaisslikeException.h>
#include <faisslike/impl/IDSelector.h>
#include <faisslike/index_factory.h>
#include <faisslike/table/index_bundle.h>
#include <faisslike/table/json.h>

#include "test_util.h"

namespace faisslike {
namespace table {
namespace {

using test::error_of;

using test::clustered_vectors;

constexpr int kD = 16;
constexpr size_t kNb = 1500, kNq = 25, kK = 10;


std::shared_ptr<Index> build(const std::string& spec, MetricType metric) {
    std::shared_ptr<Index> index(index_factory(kD, spec.c_str(), metric));
    auto xb = clustered_vectors(kNb, kD, 11);
    index->train(kNb, xb.data());
    test::add_vectors(*index, kNb, xb.data());
    if (IndexIVF* ivf = try_extract_index_ivf(index.get())) {
        ivf->nprobe = 3;
    }
    if (auto* refine = dynamic_cast<IndexRefine*>(index.get())) {
        refine->k_factor = 2.5f;
    }
    if (auto* hnsw = dynamic_cast<IndexHNSW*>(index.get())) {
        hnsw->hnsw.efSearch = 24;
    }
    if (auto* ivf_hnsw = dynamic_cast<IndexIVFHNSW*>(index.get())) {
        ivf_hnsw->efSearch = 24;
    }
    return index;
}

/// Search results must be equal bit for bit (distances compared as bytes).
void expect_identical_search(const Index& a, const Index& b) {
    auto xq = clustered_vectors(kNq, kD, 12);
    std::vector<float> Da(kNq * kK), Db(kNq * kK);
    std::vector<idx_t> Ia(kNq * kK), Ib(kNq * kK);
    a.search(kNq, xq.data(), kK, Da.data(), Ia.data());
    b.search(kNq, xq.data(), kK, Db.data(), Ib.data());
    EXPECT_EQ(Ia, Ib);
    EXPECT_EQ(0, std::memcmp(Da.data(), Db.data(), Da.size() * sizeof(float)));
}

std::string description(IndexBundle& bundle, const std::string& table) {
    ImportedTable t = read_stream(bundle.tables.at(table).get(), table);
    return t.require_metadata("faisslike:index");
}

const char* const kSpecs[] = {
        "Flat",           "SQ8",         "SQ4",           "PQ4",           "PQ8x4",           "IVF8,Flat",
        "IVF8,PQ4",       "IVF8,PQ4x4",  "IVF8,SQ8",      "IVF8,SQ6",      "IVF8_HNSW8,Flat", "IVF8_HNSW8,PQ4",
        "IVF8_HNSW8,SQ8", "HNSW16",      "HNSW16_PQ4",    "HNSW16_SQ8",    "IVF8,PQ4,RFlat",  "HNSW16_SQ8,RFlat",
        // "IVF8,HNSW6" is "IVF8,HNSW6_Flat" (M 6 keeps the test names apart from "IVF8_HNSW8,...")
        "IVF8,HNSW6", "IVF8,HNSW6_PQ4", "IVF8,HNSW6_SQ8", "IVF8_HNSW8,HNSW6_SQ8", "IVF8,HNSW6_PQ4,RFlat",
        "IDMap,IVF8,PQ4", "IDMap2,HNSW16", "PCA8,IVF8,HNSW6_SQ8", "L2norm,Flat", "IDMap2,PCA8,Flat",
        "OPQ4,IVF8,PQ4",
};

class TableBundleRoundTrip : public ::testing::TestWithParam<std::tuple<const char*, MetricType>> {};

TEST_P(TableBundleRoundTrip, BitIdenticalSearch) {
    auto [spec, metric] = GetParam();
    auto index = build(spec, metric);
    for (bool borrowed : {true, false}) {
        SCOPED_TRACE(borrowed ? "borrowed" : "copied");
        BundleExportOptions opt;
        opt.batch_size = 400;
        IndexBundle bundle = borrowed ? export_index_bundle(std::shared_ptr<const Index>(index), opt)
                                      : export_index_bundle(*index, nullptr, opt);
        std::unique_ptr<Index> back = import_index_bundle(bundle);
        EXPECT_EQ(back->d, index->d);
        EXPECT_EQ(back->ntotal, index->ntotal);
        EXPECT_EQ(back->metric_type, index->metric_type);
        EXPECT_EQ(back->is_trained, index->is_trained);
        expect_identical_search(*index, *back);
        // Exported again, it describes itself the same way.
        IndexBundle again = export_index_bundle(*back, nullptr);
        IndexBundle first = export_index_bundle(*index, nullptr);
        ASSERT_EQ(again.tables.size(), first.tables.size());
        const std::string name = first.tables.begin()->first;
        EXPECT_EQ(description(again, name), description(first, name));
    }
}

INSTANTIATE_TEST_SUITE_P(AllTypes, TableBundleRoundTrip,
                         ::testing::Combine(::testing::ValuesIn(kSpecs),
                                            ::testing::Values(METRIC_L2, METRIC_INNER_PRODUCT)),
                         [](const auto& info) {
                             std::string name = std::get<0>(info.param);
                             for (char& c : name) {
                                 if (!isalnum(static_cast<unsigned char>(c))) {
                                     c = '_';
                                 }
                             }
                             return name + (std::get<1>(info.param) == METRIC_L2 ? "_L2" : "_IP");
                         });

TEST(TableBundle, IvfPqTablesFollowLanceAndBorrowTheLists) {
    auto index = build("IVF8,PQ4", METRIC_L2);
    auto* ivf = static_cast<IndexIVFPQ*>(index.get());
    std::weak_ptr<Index> watch = index;
    IndexBundle bundle = export_index_bundle(std::shared_ptr<const Index>(index));
    index.reset();
    EXPECT_FALSE(watch.expired()) << "the streams keep the index alive";
    std::vector<std::string> names;
    for (const auto& kv : bundle.tables) {
        names.push_back(kv.first);
    }
    EXPECT_EQ(names, (std::vector<std::string>{"auxiliary", "codebook", "index", "ivf"}));

    ImportedTable aux = read_stream(bundle.tables["auxiliary"].get(), "auxiliary");
    EXPECT_EQ(*find_metadata(aux.metadata, "distance_type"), "l2");
    Json sm = Json::parse(aux.require_metadata("storage_metadata"));
    ASSERT_EQ(sm.size(), 1u);
    Json pqmeta = Json::parse(sm.at(0).as_string());
    EXPECT_EQ(pqmeta.at("num_sub_vectors").as_int(), 4);
    EXPECT_EQ(pqmeta.at("nbits").as_int(), 8);
    EXPECT_EQ(pqmeta.at("dimension").as_int(), kD);
    EXPECT_EQ(pqmeta.at("codebook_position").as_int(), 0);
    EXPECT_FALSE(pqmeta.at("transposed").as_bool());
    EXPECT_STREQ(aux.schema->children[0]->name, "id");
    EXPECT_STREQ(aux.schema->children[1]->name, "__ivf_part_id");
    EXPECT_STREQ(aux.schema->children[1]->format, "I");
    EXPECT_STREQ(aux.schema->children[2]->name, "__pq_code");
    EXPECT_STREQ(aux.schema->children[2]->format, "+w:4");
    // One batch per non-empty list, its codes and ids the lists' own memory.
    size_t b = 0;
    for (size_t l = 0; l < ivf->nlist; l++) {
        if (ivf->invlists->list_size(l) == 0) {
            continue;
        }
        ASSERT_LT(b, aux.batches.size());
        BatchReader r(aux, b++);
        EXPECT_EQ(r.length(), int64_t(ivf->invlists->list_size(l)));
        EXPECT_EQ(r.primitive<int64_t>(0), ivf->invlists->get_ids(l));
        EXPECT_EQ(r.fixed_size_list<uint8_t>(2, 4), ivf->invlists->get_codes(l));
        EXPECT_EQ(r.primitive<uint32_t>(1)[0], uint32_t(l));
    }
    EXPECT_EQ(b, aux.batches.size());

    ImportedTable ivft = read_stream(bundle.tables["ivf"].get(), "ivf");
    BatchReader r(ivft, 0);
    uint64_t acc = 0;
    for (size_t l = 0; l < ivf->nlist; l++) {
        EXPECT_EQ(r.primitive<uint32_t>(3)[l], ivf->invlists->list_size(l));
        EXPECT_EQ(r.primitive<uint64_t>(2)[l], acc);
        acc += ivf->invlists->list_size(l);
    }
    EXPECT_EQ(r.fixed_size_list<float>(1, kD), static_cast<IndexFlat*>(ivf->quantizer)->get_xb());
    EXPECT_EQ(*find_metadata(ivft.metadata, "distance_type"), "l2");

    ImportedTable cb = read_stream(bundle.tables["codebook"].get(), "codebook");
    EXPECT_EQ(cb.num_rows(), 256);
    EXPECT_EQ(BatchReader(cb, 0).fixed_size_list<float>(0, kD), ivf->pq.centroids.data());
    EXPECT_EQ(cb.require_metadata("num_subvectors"), "4");
    EXPECT_EQ(cb.require_metadata("nbits"), "8");

    ImportedTable idx = read_stream(bundle.tables["index"].get(), "index");
    EXPECT_EQ(idx.num_rows(), 0);
    EXPECT_STREQ(idx.schema->children[0]->name, "__flat_marker");
    Json li = Json::parse(idx.require_metadata("lance:index"));
    EXPECT_EQ(li.at("type").as_string(), "IVF_PQ");
    EXPECT_EQ(li.at("distance_type").as_string(), "l2");
    EXPECT_EQ(Json::parse(idx.require_metadata("lance:flat")).size(), 8u);

    aux.batches.clear();
    ivft.batches.clear();
    cb.batches.clear();
    EXPECT_TRUE(watch.expired());
}

TEST(TableBundle, HnswGraphRowsFollowLance) {
    auto index = build("HNSW8", METRIC_L2);
    auto* hnsw = static_cast<IndexHNSW*>(index.get());
    IndexBundle bundle = export_index_bundle(std::shared_ptr<const Index>(index));
    ImportedTable g = read_stream(bundle.tables["index"].get(), "index");
    EXPECT_EQ(Json::parse(g.require_metadata("lance:index")).at("type").as_string(), "IVF_HNSW_FLAT");
    Json entry = Json::parse(Json::parse(g.require_metadata("lance:hnsw")).at(0).as_string());
    EXPECT_EQ(entry.at("entry_point").as_int(), hnsw->hnsw.entry_point);
    EXPECT_EQ(entry.at("params").at("max_level").as_int(), hnsw->hnsw.max_level + 1);
    EXPECT_EQ(entry.at("params").at("m").as_int(), 8);
    EXPECT_TRUE(entry.at("params").at("prefetch_distance").is_null());
    const Json& lo = entry.at("level_offsets");
    EXPECT_EQ(lo.at(1).as_int(), int64_t(kNb));
    EXPECT_EQ(lo.at(lo.size() - 1).as_int(), g.num_rows());

    int vid = g.require_column("__vector_id"), nb = g.require_column("__neighbors"), dis = g.require_column("_distance");
    auto xb = clustered_vectors(kNb, kD, 11);
    int64_t row = 0, checked = 0;
    for (size_t b = 0; b < g.batches.size(); b++) {
        BatchReader r(g, b);
        const uint32_t* ids = r.primitive<uint32_t>(vid);
        ListColumn<uint32_t> lists = r.list<uint32_t>(nb);
        ListColumn<float> dists = r.list<float>(dis);
        for (int64_t i = 0; i < r.length(); i++, row++) {
            int level = 0;
            while (row >= lo.at(size_t(level) + 1).as_int()) {
                level++;
            }
            size_t begin, end;
            hnsw->hnsw.neighbor_range(ids[i], level, &begin, &end);
            size_t used = 0;
            while (begin + used < end && hnsw->hnsw.neighbors[begin + used] >= 0) {
                used++;
            }
            ASSERT_EQ(lists.row_size(i), used);
            ASSERT_EQ(dists.row_size(i), used);
            for (size_t s = 0; s < used; s++) {
                ASSERT_EQ(lists.row(i)[s], uint32_t(hnsw->hnsw.neighbors[begin + s]));
                double truth = test::exact_distance(&xb[ids[i] * kD], &xb[lists.row(i)[s] * kD], kD, METRIC_L2);
                ASSERT_NEAR(dists.row(i)[s], truth, 1e-4 * std::max(1.0, truth));
                checked++;
            }
        }
    }
    EXPECT_GT(checked, int64_t(kNb));
}

TEST(TableBundle, IvfHnswGraphPerPartitionFollowsLance) {
    auto index = build("IVF8,HNSW8_SQ8", METRIC_L2);
    auto* ih = static_cast<IndexIVFHNSW*>(index.get());
    IndexBundle bundle = export_index_bundle(std::shared_ptr<const Index>(index));
    ImportedTable g = read_stream(bundle.tables["index"].get(), "index");
    ImportedTable ivf = read_stream(bundle.tables["ivf"].get(), "ivf");
    EXPECT_EQ(Json::parse(g.require_metadata("lance:index")).at("type").as_string(), "IVF_HNSW_SQ");
    Json entries = Json::parse(g.require_metadata("lance:hnsw"));
    ASSERT_EQ(entries.size(), size_t(8));
    BatchReader r(ivf, 0);
    const uint64_t* first = r.primitive<uint64_t>(ivf.require_column("index_offsets"));
    const uint32_t* count = r.primitive<uint32_t>(ivf.require_column("index_lengths"));
    // Rows of partition l lie at [first[l], first[l] + count[l]), all with __ivf_part_id l.
    std::vector<uint32_t> parts;
    int part = g.require_column("__ivf_part_id");
    for (size_t b = 0; b < g.batches.size(); b++) {
        BatchReader gb(g, b);
        const uint32_t* p = gb.primitive<uint32_t>(part);
        parts.insert(parts.end(), p, p + gb.length());
    }
    uint64_t next = 0;
    for (size_t l = 0; l < 8; l++) {
        const HNSW& h = ih->graphs[l];
        Json entry = Json::parse(entries.at(l).as_string());
        EXPECT_EQ(entry.at("entry_point").as_int(), h.entry_point);
        EXPECT_EQ(entry.at("params").at("max_level").as_int(), h.max_level + 1);
        EXPECT_EQ(entry.at("level_offsets").at(1).as_int(), int64_t(ih->ivf->invlists->list_size(l)));
        EXPECT_EQ(first[l], next);
        EXPECT_EQ(entry.at("level_offsets").at(entry.at("level_offsets").size() - 1).as_int(), int64_t(count[l]));
        for (uint64_t row = first[l]; row < first[l] + count[l]; row++) {
            ASSERT_EQ(parts[row], l);
        }
        next += count[l];
    }
    EXPECT_EQ(next, parts.size());
}

/// Reads one table of a bundle, lets f damage it, and puts it back.
template <class F>
void tamper(IndexBundle& bundle, const std::string& name, F&& f) {
    ImportedTable t = read_stream(bundle.tables.at(name).get(), name);
    f(t);
    StreamOwner s;
    export_stream(std::move(t), s.get());
    bundle.tables[name] = std::move(s);
}

std::string import_error(IndexBundle bundle) {
    return error_of([&] { import_index_bundle(bundle); });
}

IndexBundle fresh(const std::shared_ptr<Index>& index) {
    return export_index_bundle(std::shared_ptr<const Index>(index));
}

TEST(TableBundle, MalformedBundlesGiveClearErrors) {
    auto ivfpq = build("IVF8,PQ4", METRIC_L2);
    auto hnsw = build("HNSW8_SQ8", METRIC_INNER_PRODUCT);
    {
        IndexBundle b = fresh(ivfpq);
        b.tables.erase("codebook");
        EXPECT_NE(import_error(std::move(b)).find("lacks the table 'codebook'"), std::string::npos);
    }
    {
        IndexBundle b = fresh(ivfpq);
        b.tables["extra"] = std::move(b.tables["ivf"]);
        EXPECT_NE(import_error(std::move(b)).find("unknown table 'extra'"), std::string::npos);
    }
    {
        IndexBundle b = fresh(ivfpq);
        tamper(b, "auxiliary", [](ImportedTable& t) { t.schema->children[2]->format = "+w:3"; });
        std::string e = import_error(std::move(b));
        EXPECT_NE(e.find("column '__pq_code'"), std::string::npos) << e;
        EXPECT_NE(e.find("got width 3"), std::string::npos) << e;
    }
    {
        IndexBundle b = fresh(ivfpq);
        tamper(b, "auxiliary", [](ImportedTable& t) { t.schema->children[0]->format = "i"; });
        EXPECT_NE(import_error(std::move(b)).find("expected Arrow format \"l\", got \"i\""), std::string::npos);
    }
    {
        IndexBundle b = fresh(ivfpq);
        tamper(b, "auxiliary", [](ImportedTable& t) { t.batches[1]->length -= 1; });
        EXPECT_NE(import_error(std::move(b)).find("has 1499 rows, ntotal is 1500"), std::string::npos);
    }
    {
        IndexBundle b = fresh(ivfpq);
        tamper(b, "auxiliary", [](ImportedTable& t) {
            // Rows moved from one list to the next: lengths no longer agree.
            auto* parts = const_cast<uint32_t*>(static_cast<const uint32_t*>(t.batches[0]->children[1]->buffers[1]));
            parts[t.batches[0]->length - 1] += 1;
        });
        std::string e = import_error(std::move(b));
        EXPECT_NE(e.find("table 'ivf': list"), std::string::npos) << e;
    }
    {
        IndexBundle b = fresh(ivfpq);
        tamper(b, "ivf", [](ImportedTable& t) { t.schema->metadata = nullptr; });
        EXPECT_NE(import_error(std::move(b)).find("table 'ivf' lacks the schema metadata key 'faisslike:index'"),
                  std::string::npos);
    }
    {
        IndexBundle b = fresh(ivfpq);
        std::string other;
        tamper(b, "ivf", [&](ImportedTable& t) {
            Metadata m = t.metadata;
            for (auto& kv : m) {
                if (kv.first == "faisslike:index") {
                    kv.second.replace(kv.second.find("\"nprobe\":3"), 10, "\"nprobe\":4");
                }
            }
            other = encode_metadata(m);
            t.schema->metadata = other.data();
        });
        EXPECT_NE(import_error(std::move(b)).find("describes another index"), std::string::npos);
    }
    {
        IndexBundle b = fresh(hnsw);
        std::string bad;
        for (auto& [name, stream] : b.tables) {
            tamper(b, name, [&](ImportedTable& t) {
                Metadata m = t.metadata;
                for (auto& kv : m) {
                    if (kv.first == "faisslike:index") {
                        kv.second = "{\"format\":1,\"class\":";
                    }
                }
                bad = encode_metadata(m);
                t.schema->metadata = bad.data();
            });
        }
        std::string e = import_error(std::move(b));
        EXPECT_NE(e.find("malformed faisslike:index metadata"), std::string::npos) << e;
        EXPECT_NE(e.find("invalid JSON"), std::string::npos) << e;
    }
    {
        IndexBundle b = fresh(hnsw);
        static const uint8_t validity[256] = {0xFE};
        tamper(b, "auxiliary", [](ImportedTable& t) {
            ArrowArray& codes = *t.batches[0]->children[1];
            codes.buffers[0] = validity;
            codes.null_count = 1;
        });
        EXPECT_NE(import_error(std::move(b)).find("null values"), std::string::npos);
    }
    {
        IndexBundle b = fresh(hnsw);
        tamper(b, "index", [](ImportedTable& t) {
            // Truncated offsets: a list that ends past the values.
            ArrowArray& nb = *t.batches[0]->children[2];
            auto* offsets = const_cast<int32_t*>(static_cast<const int32_t*>(nb.buffers[1]));
            offsets[nb.length] = int32_t(nb.children[0]->length) + 5;
        });
        EXPECT_NE(import_error(std::move(b)).find("outside the"), std::string::npos);
    }
    {
        IndexBundle b = fresh(hnsw);
        tamper(b, "index", [](ImportedTable& t) {
            ArrowArray& nb = *t.batches[0]->children[2];
            auto* values = const_cast<uint32_t*>(static_cast<const uint32_t*>(nb.children[0]->buffers[1]));
            values[0] = 1u << 30;
        });
        EXPECT_NE(import_error(std::move(b)).find("outside the graph"), std::string::npos);
    }
    {
        IndexBundle b = fresh(hnsw);
        tamper(b, "index", [](ImportedTable& t) { t.batches.pop_back(); });
        EXPECT_NE(import_error(std::move(b)).find("level_offsets say"), std::string::npos);
    }
    {
        IndexBundle b = fresh(hnsw);
        tamper(b, "index", [](ImportedTable& t) {
            // A level-0 row naming another node: ids must run 0, 1, ...
            auto* ids = const_cast<uint32_t*>(static_cast<const uint32_t*>(t.batches[0]->children[1]->buffers[1]));
            ids[3] = 2;
        });
        EXPECT_NE(import_error(std::move(b)).find("names node 2"), std::string::npos);
    }
}

TEST(TableBundle, MalformedIvfHnswBundlesGiveClearErrors) {
    auto index = build("IVF8,HNSW8_Flat", METRIC_L2);
    {
        IndexBundle b = fresh(index);
        tamper(b, "ivf", [](ImportedTable& t) {
            auto* first = const_cast<uint64_t*>(static_cast<const uint64_t*>(t.batches[0]->children[4]->buffers[1]));
            first[2] += 1;
        });
        std::string e = import_error(std::move(b));
        EXPECT_NE(e.find("partition 2 has index_offsets"), std::string::npos) << e;
    }
    {
        IndexBundle b = fresh(index);
        tamper(b, "index", [](ImportedTable& t) {
            auto* parts = const_cast<uint32_t*>(static_cast<const uint32_t*>(t.batches[0]->children[0]->buffers[1]));
            parts[1] = 5;
        });
        std::string e = import_error(std::move(b));
        EXPECT_NE(e.find("a row of partition 5 among those of 0"), std::string::npos) << e;
    }
    {
        IndexBundle b = fresh(index);
        tamper(b, "ivf", [](ImportedTable& t) { t.schema->children[5]->name = "lengths_of_index"; });
        std::string e = import_error(std::move(b));
        EXPECT_NE(e.find("index_lengths"), std::string::npos) << e;
    }
}

TEST(TableBundle, MalformedWrapperBundlesGiveClearErrors) {
    auto idmap = build("IDMap2,PCA8,Flat", METRIC_L2);
    {
        IndexBundle b = fresh(idmap);
        tamper(b, "idmap", [](ImportedTable& t) { t.batches.pop_back(); });
        std::string e = import_error(std::move(b));
        EXPECT_NE(e.find("table 'idmap' has"), std::string::npos) << e;
    }
    {
        IndexBundle b = fresh(idmap);
        tamper(b, "idmap", [](ImportedTable& t) {
            auto* ids = const_cast<int64_t*>(static_cast<const int64_t*>(t.batches[0]->children[0]->buffers[1]));
            ids[1] = ids[0];
        });
        std::string e = import_error(std::move(b));
        EXPECT_NE(e.find("needs unique ids"), std::string::npos) << e;
    }
    {
        IndexBundle b = fresh(idmap);
        tamper(b, "transform", [](ImportedTable& t) {
            ArrowArray& blocks = *t.batches[0]->children[0];
            auto* offsets = const_cast<int32_t*>(static_cast<const int32_t*>(blocks.buffers[1]));
            offsets[1] = 10; // a truncated transform block
        });
        std::string e = import_error(std::move(b));
        EXPECT_NE(e.find("table 'transform'"), std::string::npos) << e;
    }
    {
        IndexBundle b = fresh(idmap);
        b.tables.erase("transform");
        EXPECT_NE(import_error(std::move(b)).find("lacks the table 'transform'"), std::string::npos);
    }
}

TEST(TableBundle, UnsupportedIndexesAreRefusedClearly) {
    auto refine = build("IVF8,PQ4,Refine(SQ8)", METRIC_L2);
    std::string e = error_of([&] { export_index_bundle(*refine, nullptr); });
    EXPECT_NE(e.find("do not support IndexRefine"), std::string::npos) << e;
    auto nested = std::make_shared<IndexIDMap>(new IndexIDMap(new IndexFlatL2(kD)));
    nested->own_fields = true;
    static_cast<IndexIDMap*>(nested->index)->own_fields = true;
    e = error_of([&] { export_index_bundle(*nested, nullptr); });
    EXPECT_NE(e.find("nested IndexIDMap"), std::string::npos) << e;
    auto hnsw = build("HNSW8", METRIC_L2);
    IDSelectorRange sel(0, 10);
    hnsw->remove_ids(sel);
    EXPECT_NE(error_of([&] { export_index_bundle(*hnsw, nullptr); }).find("compact()"), std::string::npos);
    static_cast<IndexHNSW*>(hnsw.get())->compact();
    IndexBundle b = export_index_bundle(*hnsw, nullptr);
    expect_identical_search(*hnsw, *import_index_bundle(b));
}

} // namespace
} // namespace table
} // namespace faisslike
