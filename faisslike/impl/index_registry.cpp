#include <faisslike/impl/index_registry.h>

#include <map>
#include <mutex>
#include <shared_mutex>

#include <faisslike/VectorTransform.h>
#include <faisslike/impl/FaisslikeException.h>
#include <faisslike/impl/io_builtin.h>
#include <faisslike/invlists/InvertedLists.h>

namespace faisslike {

namespace {

template <class T>
class Registry {
   public:
    void add(IOEntry<T> entry, const char* kind) {
        std::unique_lock<std::shared_mutex> lock(mutex_);
        FAISSLIKE_THROW_IF_NOT_FMT(entry.write || entry.read, "registering %s I/O without reader or writer", kind);
        auto shared = std::make_shared<IOEntry<T>>(std::move(entry));
        for (const auto& code : shared->read_codes) {
            uint32_t c = fourcc(code);
            FAISSLIKE_THROW_IF_NOT_FMT(!by_code_.count(c), "%s code \"%s\" is already registered", kind,
                                       code.c_str());
            by_code_[c] = shared;
        }
        for (const auto& type : shared->types) {
            by_type_[type] = shared;
        }
    }

    std::shared_ptr<const IOEntry<T>> find_code(uint32_t code) {
        std::shared_lock<std::shared_mutex> lock(mutex_);
        auto it = by_code_.find(code);
        return it == by_code_.end() ? nullptr : it->second;
    }

    std::shared_ptr<const IOEntry<T>> find_type(std::type_index type) {
        std::shared_lock<std::shared_mutex> lock(mutex_);
        auto it = by_type_.find(type);
        return it == by_type_.end() ? nullptr : it->second;
    }

   private:
    std::shared_mutex mutex_;
    std::map<uint32_t, std::shared_ptr<IOEntry<T>>> by_code_;
    std::map<std::type_index, std::shared_ptr<IOEntry<T>>> by_type_;
};

// Built-in types are registered on first use, not by static initialisers (which
// a static link may drop).
std::once_flag builtin_once;

template <class T>
Registry<T>& registry() {
    static Registry<T> r;
    return r;
}

void ensure_builtins() {
    std::call_once(builtin_once, register_builtin_io);
}

} // namespace

void register_index_io(IOEntry<Index> entry) {
    ensure_builtins();
    registry<Index>().add(std::move(entry), "index");
}

void register_invlists_io(IOEntry<InvertedLists> entry) {
    ensure_builtins();
    registry<InvertedLists>().add(std::move(entry), "inverted lists");
}

void register_transform_io(IOEntry<VectorTransform> entry) {
    ensure_builtins();
    registry<VectorTransform>().add(std::move(entry), "vector transform");
}

namespace builtin_detail {

void add_index(IOEntry<Index> e) {
    registry<Index>().add(std::move(e), "index");
}
void add_invlists(IOEntry<InvertedLists> e) {
    registry<InvertedLists>().add(std::move(e), "inverted lists");
}
void add_transform(IOEntry<VectorTransform> e) {
    registry<VectorTransform>().add(std::move(e), "vector transform");
}

} // namespace builtin_detail

void write_index_block(const Index* index, WriteStream& out) {
    ensure_builtins();
    if (!index) {
        out.write_fourcc("null");
        return;
    }
    auto entry = registry<Index>().find_type(typeid(*index));
    FAISSLIKE_THROW_IF_NOT_FMT(
            entry && entry->write,
            "don't know how to serialize this type of index: %s (register it with "
            "register_index_io)",
            index->index_name().c_str());
    entry->write(*index, out);
}

std::unique_ptr<Index> read_index_block(ReadStream& in) {
    ensure_builtins();
    ReadStream::Nested nested(in);
    uint32_t code = in.read_fourcc();
    if (code == fourcc("null")) {
        return nullptr;
    }
    auto entry = registry<Index>().find_code(code);
    in.check(entry && entry->read, "Index type 0x%08x (\"%s\") not recognized", code,
             fourcc_inv(code).c_str());
    auto index = entry->read(code, in);
    in.check(index != nullptr, "reader of \"%s\" returned no index", fourcc_inv(code).c_str());
    return index;
}

void write_invlists_block(const InvertedLists* il, WriteStream& out) {
    ensure_builtins();
    if (!il) {
        out.write_fourcc("il00");
        return;
    }
    auto entry = registry<InvertedLists>().find_type(typeid(*il));
    FAISSLIKE_THROW_IF_NOT_MSG(entry && entry->write,
                               "don't know how to serialize this type of inverted lists");
    entry->write(*il, out);
}

std::unique_ptr<InvertedLists> read_invlists_block(ReadStream& in) {
    ensure_builtins();
    ReadStream::Nested nested(in);
    uint32_t code = in.read_fourcc();
    if (code == fourcc("il00")) {
        return nullptr;
    }
    auto entry = registry<InvertedLists>().find_code(code);
    in.check(entry && entry->read, "inverted lists type 0x%08x (\"%s\") not recognized", code,
             fourcc_inv(code).c_str());
    return entry->read(code, in);
}

void write_transform_block(const VectorTransform& vt, WriteStream& out) {
    ensure_builtins();
    auto entry = registry<VectorTransform>().find_type(typeid(vt));
    FAISSLIKE_THROW_IF_NOT_MSG(entry && entry->write,
                               "don't know how to serialize this type of vector transform");
    entry->write(vt, out);
}

std::unique_ptr<VectorTransform> read_transform_block(ReadStream& in) {
    ensure_builtins();
    ReadStream::Nested nested(in);
    uint32_t code = in.read_fourcc();
    auto entry = registry<VectorTransform>().find_code(code);
    in.check(entry && entry->read, "vector transform type 0x%08x (\"%s\") not recognized", code,
             fourcc_inv(code).c_str());
    auto vt = entry->read(code, in);
    in.check(vt != nullptr, "reader of \"%s\" returned no transform", fourcc_inv(code).c_str());
    return vt;
}

void write_index_header(const Index& index, WriteStream& out) {
    out.write<int32_t>(index.d);
    out.write<int64_t>(index.ntotal);
    const int64_t dummy = 1 << 20; // fields Faiss no longer uses, kept in the format
    out.write(dummy);
    out.write(dummy);
    out.write<uint8_t>(index.is_trained ? 1 : 0);
    out.write<int32_t>(index.metric_type);
    if (index.metric_type > 1) {
        out.write<float>(index.metric_arg);
    }
}

void read_index_header(Index& index, ReadStream& in) {
    int32_t d = in.read<int32_t>();
    int64_t ntotal = in.read<int64_t>();
    in.check(d >= 0 && d <= (1 << 20), "dimension %d out of range [0, 2^20]", d);
    in.check(ntotal >= 0, "invalid ntotal %lld", (long long)ntotal);
    in.check(ntotal == 0 || d > 0, "%lld vectors of dimension 0", (long long)ntotal);
    in.read<int64_t>();
    in.read<int64_t>();
    bool is_trained = in.read_bool();
    int32_t metric = in.read<int32_t>();
    in.check(metric == METRIC_INNER_PRODUCT || metric == METRIC_L2 || metric == METRIC_L1 ||
                     metric == METRIC_Linf || metric == METRIC_Lp,
             "unknown metric type %d", metric);
    float metric_arg = 0;
    if (metric > 1) {
        metric_arg = in.read<float>();
    }
    index.d = d;
    index.ntotal = ntotal;
    index.is_trained = is_trained;
    index.metric_type = MetricType(metric);
    index.metric_arg = metric_arg;
    index.verbose = false;
}

} // namespace faisslike
