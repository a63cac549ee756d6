#include <faisslike/table/dataset_table.h>

#include <algorithm>
#include <cstring>
#include <functional>
#include <limits>

#include <faisslike/IndexFlat.h>
#include <faisslike/IndexHNSW.h>
#include <faisslike/IndexIDMap.h>
#include <faisslike/IndexIVF.h>
#include <faisslike/IndexIVFFlat.h>
#include <faisslike/IndexRefine.h>
#include <faisslike/impl/FaisslikeException.h>

namespace faisslike {
namespace table {

namespace {

/// A run of rows stored together: ids and vectors either borrowed from the
/// index or computed on demand.
struct Segment {
    int64_t n = 0;
    const idx_t* ids = nullptr; ///< null: first_id, first_id + 1, ...
    idx_t first_id = 0;
    const float* vectors = nullptr; ///< null: decode()
    std::function<void(int64_t i0, int64_t n, float* out)> decode;
};

/// Raw float storage of an index, when it has one in row order.
const IndexFlat* as_flat(const Index* index) {
    return dynamic_cast<const IndexFlat*>(index);
}

std::vector<Segment> segments_of(const Index& index) {
    std::vector<Segment> segs;
    const int64_t n = index.ntotal;
    if (const IndexFlat* flat = as_flat(&index)) {
        segs.push_back({n, nullptr, 0, flat->get_xb(), {}});
        return segs;
    }
    if (const auto* idmap = dynamic_cast<const IndexIDMap*>(&index)) {
        const Index* sub = idmap->index;
        Segment s{n, idmap->id_map.data(), 0, nullptr, {}};
        if (const IndexFlat* flat = as_flat(sub)) {
            s.vectors = flat->get_xb();
        } else {
            s.decode = [sub](int64_t i0, int64_t ni, float* out) { sub->reconstruct_n(i0, ni, out); };
        }
        segs.push_back(std::move(s));
        return segs;
    }
    if (const auto* ivf = dynamic_cast<const IndexIVF*>(&index)) {
        const bool raw = dynamic_cast<const IndexIVFFlat*>(ivf) != nullptr;
        for (size_t l = 0; l < ivf->nlist; l++) {
            int64_t ln = int64_t(ivf->invlists->list_size(l));
            if (ln == 0) {
                continue;
            }
            Segment s{ln, ivf->invlists->get_ids(l), 0, nullptr, {}};
            const uint8_t* codes = ivf->invlists->get_codes(l);
            if (raw) {
                s.vectors = reinterpret_cast<const float*>(codes);
            } else {
                s.decode = [ivf, codes, l](int64_t i0, int64_t ni, float* out) {
                    std::vector<idx_t> list_nos(static_cast<size_t>(ni), static_cast<idx_t>(l));
                    ivf->decode_vectors(ni, codes + size_t(i0) * ivf->code_size, list_nos.data(), out);
                };
            }
            segs.push_back(std::move(s));
        }
        return segs;
    }
    if (const auto* hnsw = dynamic_cast<const IndexHNSW*>(&index)) {
        if (hnsw->n_deleted() == 0 && as_flat(hnsw->storage)) {
            segs.push_back({n, nullptr, 0, as_flat(hnsw->storage)->get_xb(), {}});
            return segs;
        }
    }
    if (const auto* refine = dynamic_cast<const IndexRefine*>(&index)) {
        if (const IndexFlat* flat = as_flat(refine->refine_index)) {
            segs.push_back({n, nullptr, 0, flat->get_xb(), {}});
            return segs;
        }
    }
    // Anything else that can reconstruct: fail now rather than mid-stream.
    if (n > 0) {
        std::vector<float> probe(static_cast<size_t>(index.d));
        index.reconstruct_n(0, 1, probe.data());
    }
    const Index* idx = &index;
    segs.push_back({n, nullptr, 0, nullptr, [idx](int64_t i0, int64_t ni, float* out) { idx->reconstruct_n(i0, ni, out); }});
    return segs;
}

} // namespace

void export_dataset(const Index& index, Owner owner, ArrowArrayStream* out, const DatasetExportOptions& options) {
    FAISSLIKE_THROW_IF_NOT_MSG(out, "export_dataset: null output stream");
    FAISSLIKE_THROW_IF_NOT_FMT(options.batch_size > 0, "export_dataset: batch_size must be > 0, got %lld",
                               (long long)options.batch_size);
    FAISSLIKE_THROW_IF_NOT_MSG(options.vector_column != options.id_column,
                               "export_dataset: the vector and id columns need different names");
    const int64_t d = index.d;
    auto segs = std::make_shared<std::vector<Segment>>(segments_of(index));
    FieldSpec schema = record_batch_schema(
            {primitive_field<int64_t>(options.id_column), fixed_size_list_field<float>(options.vector_column, d, true)},
            {{"faisslike:format", "1"}});
    // Decoding closures point into the index: without an owner the rows are
    // copied at once, so the stream must not outlive a borrowed index.
    size_t seg = 0;
    int64_t row = 0;
    const int64_t batch_size = options.batch_size;
    auto next = [segs, owner, seg, row, d, batch_size](ArraySpec& batch) mutable -> bool {
        while (seg < segs->size() && row >= (*segs)[seg].n) {
            seg++;
            row = 0;
        }
        if (seg == segs->size()) {
            return false;
        }
        const Segment& s = (*segs)[seg];
        const int64_t n = std::min(batch_size, s.n - row);
        ArraySpec ids;
        if (s.ids && owner) {
            ids = borrowed_array(s.ids + row, n, owner);
        } else if (s.ids) {
            ids = owned_array(std::vector<int64_t>(s.ids + row, s.ids + row + n));
        } else {
            std::vector<int64_t> v(static_cast<size_t>(n));
            for (int64_t i = 0; i < n; i++) {
                v[size_t(i)] = s.first_id + row + i;
            }
            ids = owned_array(std::move(v));
        }
        ArraySpec values;
        if (s.vectors && owner) {
            values = borrowed_array(s.vectors + row * d, n * d, owner);
        } else if (s.vectors) {
            values = owned_array(std::vector<float>(s.vectors + row * d, s.vectors + (row + n) * d));
        } else {
            std::vector<float> v(static_cast<size_t>(n * d));
            s.decode(row, n, v.data());
            values = owned_array(std::move(v));
        }
        std::vector<ArraySpec> cols;
        cols.push_back(std::move(ids));
        cols.push_back(fixed_size_list_array(std::move(values), n));
        batch = record_batch(std::move(cols), n);
        row += n;
        return true;
    };
    if (owner) {
        export_stream(std::move(schema), std::move(next), out);
        return;
    }
    std::vector<ArraySpec> batches;
    ArraySpec b;
    while (next(b)) {
        batches.push_back(std::move(b));
        b = ArraySpec();
    }
    export_stream(std::move(schema), std::move(batches), out);
}

void export_dataset(std::shared_ptr<const Index> index, ArrowArrayStream* out, const DatasetExportOptions& options) {
    FAISSLIKE_THROW_IF_NOT_MSG(index, "export_dataset: null index");
    const Index& ref = *index;
    export_dataset(ref, Owner(std::move(index)), out, options);
}

idx_t add_from_stream(Index& index, ArrowArrayStream* stream, const AddFromStreamOptions& options) {
    ImportedTable t = read_stream(stream, "dataset");
    if (!index.is_trained) {
        FAISSLIKE_THROW_FMT("add_from_stream: %s is not trained: train it before adding vectors",
                            index.index_name().c_str());
    }
    const int vcol = t.require_column(options.vector_column);
    int icol = -1;
    if (options.id_mode != IdMode::Never) {
        for (const auto& name : options.id_columns) {
            if ((icol = t.find_column(name)) >= 0) {
                break;
            }
        }
        if (icol < 0 && options.id_mode == IdMode::Always) {
            std::string names;
            for (const auto& name : options.id_columns) {
                names += (names.empty() ? "'" : ", '") + name + "'";
            }
            FAISSLIKE_THROW_FMT("add_from_stream: ids were required but the table has none of the id columns %s",
                                names.c_str());
        }
    }
    bool ids_unsigned = false;
    if (icol >= 0) {
        const char* fmt = t.schema->children[icol]->format;
        ids_unsigned = std::strcmp(fmt, "L") == 0;
        if (!ids_unsigned && std::strcmp(fmt, "l") != 0) {
            FAISSLIKE_THROW_FMT("add_from_stream: id column '%s' must be int64 (\"l\") or uint64 (\"L\"), got \"%s\"",
                                t.column_name(size_t(icol)), fmt);
        }
    }
    const std::string want = "+w:" + std::to_string(index.d);
    if (want != t.schema->children[vcol]->format) {
        FAISSLIKE_THROW_FMT("add_from_stream: column '%s' must be fixed_size_list<float32, %d> (format \"%s\") for "
                            "%s, got format \"%s\"",
                            options.vector_column.c_str(), index.d, want.c_str(), index.index_name().c_str(),
                            t.schema->children[vcol]->format);
    }

    // Read and check everything before the index changes.
    struct Rows {
        int64_t n;
        const float* x;
        const idx_t* ids;
    };
    std::vector<Rows> rows;
    bool sequential = true;
    idx_t expect = index.ntotal;
    for (size_t b = 0; b < t.batches.size(); b++) {
        BatchReader r(t, b);
        Rows rw{r.length(), r.fixed_size_list<float>(vcol, index.d), nullptr};
        if (icol >= 0) {
            if (ids_unsigned) {
                const uint64_t* u = r.primitive<uint64_t>(icol);
                for (int64_t i = 0; i < rw.n; i++) {
                    if (u[i] > uint64_t(std::numeric_limits<int64_t>::max())) {
                        FAISSLIKE_THROW_FMT("add_from_stream: id %llu in column '%s' does not fit in int64",
                                            (unsigned long long)u[i], t.column_name(size_t(icol)));
                    }
                }
                // Same bits once every value is below 2^63: no copy.
                rw.ids = reinterpret_cast<const idx_t*>(u);
            } else {
                rw.ids = r.primitive<int64_t>(icol);
            }
            for (int64_t i = 0; i < rw.n && sequential; i++) {
                sequential = rw.ids[i] == expect++;
            }
        }
        if (rw.n > 0) {
            rows.push_back(rw);
        }
    }
    bool with_ids = icol >= 0;
    if (with_ids && options.id_mode == IdMode::Auto && sequential &&
        !dynamic_cast<const IndexIDMap*>(&index)) {
        with_ids = false;
    }
    auto add = [&](idx_t n, const float* x, const idx_t* ids) {
        if (with_ids) {
            index.add_with_ids(n, x, ids);
        } else {
            index.add(n, x);
        }
    };
    if (rows.size() == 1) { // one batch: straight from the producer's buffers
        add(rows[0].n, rows[0].x, rows[0].ids);
        return rows[0].n;
    }
    // Several batches go in as one block, so that the index's all-or-nothing
    // add covers the whole stream (a failing batch must not leave the ones
    // before it added); that costs one copy of the vectors.
    idx_t total = 0;
    for (const Rows& rw : rows) {
        total += rw.n;
    }
    std::vector<float> x(size_t(total) * size_t(index.d));
    std::vector<idx_t> ids(with_ids ? size_t(total) : 0);
    size_t at = 0;
    for (const Rows& rw : rows) {
        std::copy(rw.x, rw.x + size_t(rw.n) * size_t(index.d), x.begin() + at * size_t(index.d));
        if (with_ids) {
            std::copy(rw.ids, rw.ids + rw.n, ids.begin() + at);
        }
        at += size_t(rw.n);
    }
    if (total > 0) {
        add(total, x.data(), ids.data());
    }
    return total;
}

} // namespace table
} // namespace faisslike
