#include "table_c.h"

#include <iterator>

#include <faisslike/table/dataset_table.h>
#include <faisslike/table/index_bundle.h>

#include "c_api_impl.h"

using faisslike::Index;
using faisslike::table::IndexBundle;
using faisslike::table::Owner;
using faisslike::table::StreamOwner;
using faisslike_c::get;
using faisslike_c::guarded;
using faisslike_c::require;

namespace {

IndexBundle* bundle_of(FaissIndexBundle* h) {
    return reinterpret_cast<IndexBundle*>(h);
}

const IndexBundle* bundle_of(const FaissIndexBundle* h) {
    return reinterpret_cast<const IndexBundle*>(h);
}

IndexBundle& require_bundle(FaissIndexBundle* h) {
    require(h, "bundle");
    return *bundle_of(h);
}

/// Borrowing from a C handle: the caller keeps the index alive (see the
/// header), so the owner only marks the arrays as borrowed.
Owner borrow_or_copy(const Index& index, int copy) {
    return copy ? Owner() : Owner(&index, [](const void*) {});
}

/// Takes the stream over at once, so that it is released on every path.
StreamOwner take(struct ArrowArrayStream* stream, const char* arg) {
    require(stream, arg);
    if (!stream->release) {
        throw faisslike_c::ApiError{std::string(arg) + " is already released"};
    }
    return StreamOwner(stream);
}

} // namespace

extern "C" {

int faiss_export_dataset_stream(const FaissIndex* index, int64_t batch_size, int copy,
                                struct ArrowArrayStream* out) {
    return guarded(__func__, [&] {
        const auto& idx = get<const Index>(index, "index");
        require(out, "out");
        faisslike::table::DatasetExportOptions options;
        if (batch_size > 0) {
            options.batch_size = batch_size;
        }
        faisslike::table::export_dataset(idx, borrow_or_copy(idx, copy), out, options);
    });
}

int faiss_Index_add_from_stream(FaissIndex* index, struct ArrowArrayStream* stream, const char* vector_column,
                                const char* id_column, FaissTableIdMode id_mode, idx_t* n_added) {
    // Taken first: the stream is consumed even when the other arguments are bad.
    StreamOwner owned;
    return guarded(__func__, [&] {
        owned = take(stream, "stream");
        auto& idx = get<Index>(index, "index");
        faisslike::table::AddFromStreamOptions options;
        if (vector_column) {
            options.vector_column = vector_column;
        }
        if (id_column) {
            options.id_columns = {id_column};
        }
        switch (id_mode) {
            case FAISS_TABLE_IDS_AUTO:
                options.id_mode = faisslike::table::IdMode::Auto;
                break;
            case FAISS_TABLE_IDS_ALWAYS:
                options.id_mode = faisslike::table::IdMode::Always;
                break;
            case FAISS_TABLE_IDS_NEVER:
                options.id_mode = faisslike::table::IdMode::Never;
                break;
            default:
                throw faisslike_c::ApiError{"id_mode " + std::to_string(int(id_mode)) + " is not a FaissTableIdMode"};
        }
        idx_t n = faisslike::table::add_from_stream(idx, owned.get(), options);
        if (n_added) {
            *n_added = n;
        }
    });
}

void faiss_IndexBundle_free(FaissIndexBundle* bundle) {
    delete bundle_of(bundle);
}

int faiss_IndexBundle_new(FaissIndexBundle** p_out) {
    return guarded(__func__, [&] {
        require(p_out, "p_out");
        *p_out = reinterpret_cast<FaissIndexBundle*>(new IndexBundle());
    });
}

size_t faiss_IndexBundle_size(const FaissIndexBundle* bundle) {
    return bundle ? bundle_of(bundle)->tables.size() : 0;
}

const char* faiss_IndexBundle_name(const FaissIndexBundle* bundle, size_t i) {
    if (!bundle || i >= bundle_of(bundle)->tables.size()) {
        return nullptr;
    }
    return std::next(bundle_of(bundle)->tables.begin(), std::ptrdiff_t(i))->first.c_str();
}

int faiss_IndexBundle_take_stream(FaissIndexBundle* bundle, const char* name, struct ArrowArrayStream* out) {
    return guarded(__func__, [&] {
        auto& b = require_bundle(bundle);
        require(name, "name");
        require(out, "out");
        auto it = b.tables.find(name);
        if (it == b.tables.end()) {
            throw faisslike_c::ApiError{std::string("the bundle has no table '") + name + "'"};
        }
        it->second.move_to(out);
        b.tables.erase(it);
    });
}

int faiss_IndexBundle_put_stream(FaissIndexBundle* bundle, const char* name, struct ArrowArrayStream* stream) {
    StreamOwner owned;
    return guarded(__func__, [&] {
        owned = take(stream, "stream");
        auto& b = require_bundle(bundle);
        require(name, "name");
        b.tables[name] = std::move(owned);
    });
}

int faiss_export_index_bundle(const FaissIndex* index, int copy, FaissIndexBundle** p_out) {
    return guarded(__func__, [&] {
        const auto& idx = get<const Index>(index, "index");
        require(p_out, "p_out");
        auto bundle = std::make_unique<IndexBundle>(
                faisslike::table::export_index_bundle(idx, borrow_or_copy(idx, copy)));
        *p_out = reinterpret_cast<FaissIndexBundle*>(bundle.release());
    });
}

int faiss_import_index_bundle(FaissIndexBundle* bundle, FaissIndex** p_out) {
    return guarded(__func__, [&] {
        auto& b = require_bundle(bundle);
        require(p_out, "p_out");
        IndexBundle taken = std::move(b);
        b.tables.clear();
        faisslike_c::put(p_out, faisslike::table::import_index_bundle(taken), "p_out");
    });
}

} // extern "C"
