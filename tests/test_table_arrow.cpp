// The Arrow C Data Interface layer (faisslike/table/arrow_data.h) and the
// metadata JSON: exported structs read back as the spec lays them out,
// borrowed buffers keep their owner alive exactly as long as an array uses
// them, and malformed input from a producer gives a clear error.

#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <random>

#include <faisslike/impl/FaisslikeException.h>
#include <faisslike/table/arrow_data.h>
#include <faisslike/table/json.h>

#include "test_util.h"

namespace faisslike {
namespace table {
namespace {

using test::error_of;


TEST(TableArrow, MetadataRoundTripAndLayout) {
    Metadata m = {{"lance:index", "{\"type\":\"IVF_PQ\"}"}, {"empty", ""}, {"k", std::string("a\0b", 3)}};
    std::string bytes = encode_metadata(m);
    // int32 count, then int32 length + bytes for each key and value.
    int32_t n;
    std::memcpy(&n, bytes.data(), 4);
    EXPECT_EQ(n, 3);
    int32_t klen;
    std::memcpy(&klen, bytes.data() + 4, 4);
    EXPECT_EQ(klen, 11);
    EXPECT_EQ(bytes.substr(8, 11), "lance:index");
    EXPECT_EQ(decode_metadata(bytes.data(), "t"), m);
    EXPECT_TRUE(decode_metadata(nullptr, "t").empty());
    EXPECT_TRUE(encode_metadata({}).empty());

    std::string bad = bytes;
    int32_t negative = -5;
    std::memcpy(&bad[4], &negative, 4);
    EXPECT_NE(error_of([&] { decode_metadata(bad.data(), "schema x"); }).find("malformed metadata"),
              std::string::npos);
}

TEST(TableArrow, ExportedSchemaFollowsTheSpec) {
    FieldSpec schema = record_batch_schema(
            {primitive_field<int64_t>("id"), fixed_size_list_field<float>("vector", 8, true),
             list_field<uint32_t>("__neighbors")},
            {{"distance_type", "l2"}});
    SchemaOwner s;
    export_schema(schema, s.get());
    ASSERT_TRUE(s.valid());
    EXPECT_STREQ(s->format, "+s");
    ASSERT_EQ(s->n_children, 3);
    EXPECT_STREQ(s->children[0]->format, "l");
    EXPECT_STREQ(s->children[0]->name, "id");
    EXPECT_EQ(s->children[0]->flags, 0);
    EXPECT_STREQ(s->children[1]->format, "+w:8");
    EXPECT_EQ(s->children[1]->flags, ARROW_FLAG_NULLABLE);
    ASSERT_EQ(s->children[1]->n_children, 1);
    EXPECT_STREQ(s->children[1]->children[0]->format, "f");
    EXPECT_STREQ(s->children[1]->children[0]->name, "item");
    EXPECT_STREQ(s->children[2]->format, "+l");
    EXPECT_STREQ(s->children[2]->children[0]->format, "I");
    auto md = decode_metadata(s->metadata, "schema");
    ASSERT_EQ(md.size(), 1u);
    EXPECT_EQ(md[0].second, "l2");
    EXPECT_EQ(field_spec_of(*s.get()).children[1].format, "+w:8");

    // A consumer may move a child out and release it on its own.
    ArrowSchema child = *s->children[0];
    s->children[0]->release = nullptr;
    child.release(&child);
    EXPECT_EQ(child.release, nullptr);
    s.reset();
    EXPECT_FALSE(s.valid());
}

TEST(TableArrow, BorrowedBuffersKeepTheirOwnerAlive) {
    auto values = std::make_shared<std::vector<float>>(12, 1.5f);
    std::weak_ptr<std::vector<float>> watch = values;
    ArrayOwner a;
    export_array(fixed_size_list_array(borrowed_array(values->data(), 12, values), 3), a.get());
    values.reset();
    EXPECT_FALSE(watch.expired()) << "the array must keep the borrowed buffer alive";
    EXPECT_EQ(a->length, 3);
    EXPECT_EQ(a->n_buffers, 1);
    EXPECT_EQ(a->buffers[0], nullptr);
    ASSERT_EQ(a->n_children, 1);
    EXPECT_EQ(static_cast<const float*>(a->children[0]->buffers[1])[11], 1.5f);

    ArrayOwner moved(std::move(a));
    EXPECT_FALSE(a.valid());
    EXPECT_FALSE(watch.expired());
    moved.reset();
    EXPECT_TRUE(watch.expired()) << "releasing the array must drop the owner";
}

/// A stream of two batches {id int64, vector fixed_size_list<float, 4>, nb list<uint32>}.
void make_stream(ArrowArrayStream* out, std::vector<float>* vectors_out = nullptr) {
    std::vector<ArraySpec> batches;
    std::vector<float> all;
    for (int b = 0; b < 2; b++) {
        int64_t n = 3 + b;
        std::vector<int64_t> ids;
        std::vector<float> v;
        std::vector<int32_t> offsets = {0};
        std::vector<uint32_t> nb;
        for (int64_t i = 0; i < n; i++) {
            ids.push_back(100 * b + i);
            for (int j = 0; j < 4; j++) {
                v.push_back(float(b * 10 + i) + 0.25f * j);
            }
            for (int64_t k = 0; k < i; k++) {
                nb.push_back(uint32_t(k));
            }
            offsets.push_back(int32_t(nb.size()));
        }
        all.insert(all.end(), v.begin(), v.end());
        std::vector<ArraySpec> cols;
        cols.push_back(owned_array(std::move(ids)));
        cols.push_back(fixed_size_list_array(owned_array(std::move(v)), n));
        cols.push_back(list_array(std::move(offsets), owned_array(std::move(nb))));
        batches.push_back(record_batch(std::move(cols), n));
    }
    if (vectors_out) {
        *vectors_out = all;
    }
    export_stream(record_batch_schema({primitive_field<int64_t>("id"), fixed_size_list_field<float>("vector", 4),
                                       list_field<uint32_t>("nb")},
                                      {{"faisslike:format", "1"}}),
                  std::move(batches), out);
}

TEST(TableArrow, StreamRoundTrip) {
    ArrowArrayStream s;
    std::vector<float> expected;
    make_stream(&s, &expected);
    ImportedTable t = read_stream(&s, "data");
    EXPECT_EQ(s.release, nullptr) << "read_stream consumes the stream";
    ASSERT_EQ(t.batches.size(), 2u);
    EXPECT_EQ(t.num_rows(), 7);
    EXPECT_EQ(*find_metadata(t.metadata, "faisslike:format"), "1");
    int id = t.require_column("id"), vec = t.require_column("vector"), nb = t.require_column("nb");
    EXPECT_EQ(t.find_column("nope"), -1);
    EXPECT_NE(error_of([&] { t.require_column("nope"); }).find("'id', 'vector', 'nb'"), std::string::npos);
    size_t at = 0;
    for (size_t b = 0; b < t.batches.size(); b++) {
        BatchReader r(t, b);
        const int64_t* ids = r.primitive<int64_t>(id);
        const float* v = r.fixed_size_list<float>(vec, 4);
        ListColumn<uint32_t> lists = r.list<uint32_t>(nb);
        for (int64_t i = 0; i < r.length(); i++) {
            EXPECT_EQ(ids[i], int64_t(100 * b) + i);
            ASSERT_EQ(lists.row_size(i), size_t(i));
            for (int64_t k = 0; k < i; k++) {
                EXPECT_EQ(lists.row(i)[k], uint32_t(k));
            }
        }
        for (int64_t j = 0; j < r.length() * 4; j++) {
            EXPECT_EQ(v[j], expected[at++]);
        }
    }
}

TEST(TableArrow, OffsetsOfBatchAndColumnsAreApplied) {
    ArrowArrayStream s;
    std::vector<float> expected;
    make_stream(&s, &expected);
    ImportedTable t = read_stream(&s, "data");
    // Slice batch 1 (4 rows) to rows 1..2 through the struct offset, and shift
    // the id column by one more row through its own offset.
    ArrowArray& b = *t.batches[1];
    b.offset = 1;
    b.length = 2;
    b.children[0]->offset = 1;
    b.children[0]->length = 3;
    BatchReader r(t, 1);
    EXPECT_EQ(r.primitive<int64_t>(0)[0], 102);
    EXPECT_EQ(r.fixed_size_list<float>(1, 4)[0], expected[(3 + 1) * 4]);
    EXPECT_EQ(r.list<uint32_t>(2).row_size(0), 1u);
}

TEST(TableArrow, ReExportedTableStreamsTheSameBatches) {
    ArrowArrayStream s;
    make_stream(&s);
    ImportedTable t = read_stream(&s, "data");
    const void* buf = t.batches[0]->children[0]->buffers[1];
    ArrowArrayStream again;
    export_stream(std::move(t), &again);
    ImportedTable t2 = read_stream(&again, "again");
    EXPECT_EQ(t2.num_rows(), 7);
    EXPECT_EQ(t2.batches[0]->children[0]->buffers[1], buf) << "no copy";
    EXPECT_EQ(*find_metadata(t2.metadata, "faisslike:format"), "1");
}

TEST(TableArrow, MalformedColumnsGiveClearErrors) {
    auto fresh = [] {
        ArrowArrayStream s;
        make_stream(&s);
        return read_stream(&s, "data");
    };
    {
        ImportedTable t = fresh();
        EXPECT_NE(error_of([&] { BatchReader(t, 0).primitive<uint64_t>(0); }).find("expected Arrow format \"L\", got \"l\""),
                  std::string::npos);
        EXPECT_NE(error_of([&] { BatchReader(t, 0).fixed_size_list<float>(1, 8); }).find("width 4"),
                  std::string::npos);
        EXPECT_NE(error_of([&] { BatchReader(t, 0).fixed_size_list<uint8_t>(1, 4); }).find("\"C\", got \"f\""),
                  std::string::npos);
        EXPECT_NE(error_of([&] { BatchReader(t, 0).fixed_size_list<float>(0, 4); }).find("fixed_size_list"),
                  std::string::npos);
    }
    {
        ImportedTable t = fresh();
        static const uint8_t validity[1] = {0x5}; // rows 1 null
        ArrowArray& vec = *t.batches[0]->children[1];
        vec.buffers[0] = validity;
        vec.null_count = 1;
        EXPECT_NE(error_of([&] { BatchReader(t, 0).fixed_size_list<float>(1, 4); }).find("1 null values"),
                  std::string::npos);
        vec.null_count = -1; // unknown: the bitmap is counted
        EXPECT_NE(error_of([&] { BatchReader(t, 0).fixed_size_list<float>(1, 4); }).find("null values"),
                  std::string::npos);
    }
    {
        ImportedTable t = fresh();
        t.batches[0]->children[1]->children[0]->length = 5; // 3 rows of 4 need 12 values
        EXPECT_NE(error_of([&] { BatchReader(t, 0).fixed_size_list<float>(1, 4); }).find("need 12 values"),
                  std::string::npos);
    }
    {
        ImportedTable t = fresh();
        auto* offsets = const_cast<int32_t*>(static_cast<const int32_t*>(t.batches[1]->children[2]->buffers[1]));
        offsets[2] = 5; // row 2 would end before it starts
        EXPECT_NE(error_of([&] { BatchReader(t, 1).list<uint32_t>(2); }).find("decreasing"), std::string::npos);
        offsets[2] = 1000; // past the values
        EXPECT_NE(error_of([&] { BatchReader(t, 1).list<uint32_t>(2); }).find("outside"), std::string::npos);
    }
    {
        ImportedTable t = fresh();
        t.batches[0]->children[0]->n_buffers = 1;
        EXPECT_NE(error_of([&] { BatchReader(t, 0).primitive<int64_t>(0); }).find("expected 2 buffers, got 1"),
                  std::string::npos);
    }
    {
        // A column shorter than its batch is caught when the stream is read.
        ImportedTable t = fresh();
        t.batches[0]->children[0]->length = 1;
        ArrowArrayStream again;
        export_stream(std::move(t), &again);
        EXPECT_NE(error_of([&] { read_stream(&again, "short"); }).find("has 1 rows, the batch needs 3"),
                  std::string::npos);
    }
}

TEST(TableArrow, ProducerErrorsAndBadSchemasAreReported) {
    ArrowArrayStream s;
    int calls = 0;
    export_stream(record_batch_schema({primitive_field<int64_t>("id")}),
                  [&calls](ArraySpec& batch) -> bool {
                      if (calls++ == 0) {
                          batch = record_batch({owned_array(std::vector<int64_t>{1, 2})}, 2);
                          return true;
                      }
                      throw FaisslikeException("disk on fire");
                  },
                  &s);
    std::string e = error_of([&] { read_stream(&s, "t"); });
    EXPECT_NE(e.find("failed to give batch 1"), std::string::npos) << e;
    EXPECT_NE(e.find("disk on fire"), std::string::npos) << e;
    EXPECT_NE(e.find(std::to_string(EIO)), std::string::npos) << e;

    ArrowArrayStream s2;
    export_stream(FieldSpec{"", "+s", false, {}, {primitive_field<int64_t>("id")}}, std::vector<ArraySpec>{}, &s2);
    EXPECT_EQ(read_stream(&s2, "empty").num_rows(), 0);

    EXPECT_NE(error_of([&] { read_stream(nullptr, "t"); }).find("NULL or already released"), std::string::npos);
    ArrowArrayStream released{};
    EXPECT_NE(error_of([&] { read_stream(&released, "t"); }).find("already released"), std::string::npos);
    EXPECT_THROW(export_stream(primitive_field<int64_t>("x"), std::vector<ArraySpec>{}, &s2), FaisslikeException);
}

TEST(TableJson, FloatsAndIntegersReadBackBitForBit) {
    std::mt19937 rng(5);
    std::uniform_int_distribution<uint32_t> bits;
    Json arr = Json::array();
    std::vector<float> fs;
    while (fs.size() < 2000) {
        uint32_t b = bits(rng);
        float f;
        std::memcpy(&f, &b, 4);
        if (std::isfinite(f)) {
            fs.push_back(f);
            arr.push(Json::float_number(f));
        }
    }
    Json obj = Json::object();
    obj.set("floats", arr).set("big", int64_t(-9007199254740993LL)).set("d", 0.1).set("s", "a\"b\\c\n\x01");
    Json back = Json::parse(obj.dump());
    for (size_t i = 0; i < fs.size(); i++) {
        float f = back.at("floats").at(i).as_float();
        ASSERT_EQ(std::memcmp(&f, &fs[i], 4), 0) << i;
    }
    EXPECT_EQ(back.at("big").as_int(), -9007199254740993LL);
    EXPECT_EQ(back.at("d").as_double(), 0.1);
    EXPECT_EQ(back.at("s").as_string(), "a\"b\\c\n\x01");
    EXPECT_EQ(Json::parse("\"\\u00e9\\ud83d\\ude00\"").as_string(), "\xc3\xa9\xf0\x9f\x98\x80");
    EXPECT_EQ(Json(1.5).dump(), "1.5");
}

TEST(TableJson, ErrorsAreClear) {
    EXPECT_NE(error_of([] { Json::parse("{\"a\":1,}"); }).find("invalid JSON at offset 7"), std::string::npos);
    EXPECT_NE(error_of([] { Json::parse("[1 2]"); }).find("expected ',' or ']'"), std::string::npos);
    EXPECT_NE(error_of([] { Json::parse("\"abc"); }).find("unterminated"), std::string::npos);
    EXPECT_NE(error_of([] { Json::parse(std::string(100000, '[')); }).find("nested too deeply"), std::string::npos);
    EXPECT_NE(error_of([] { Json::parse("{}").at("nlist"); }).find("lacks the key \"nlist\""), std::string::npos);
    EXPECT_NE(error_of([] { Json::parse("1.5").as_int(); }).find("not a 64-bit integer"), std::string::npos);
    EXPECT_NE(error_of([] { Json::parse("\"x\"").as_int(); }).find("expected an integer"), std::string::npos);
    EXPECT_THROW(Json(std::nan("")), FaisslikeException);
}

} // namespace
} // namespace table
} // namespace faisslike
