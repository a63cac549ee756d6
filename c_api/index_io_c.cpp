#include "index_io_c.h"

#include <faisslike/VectorTransform.h>
#include <faisslike/index_io.h>

#include "c_api_impl.h"

using faisslike::Index;
using faisslike_c::get;
using faisslike_c::guarded;
using faisslike_c::put;
using faisslike_c::require;

extern "C" {

int faiss_write_index(const FaissIndex* idx, FILE* f) {
    return guarded(__func__, [&] {
        const auto& index = get<const Index>(idx, "idx");
        require(f, "f");
        faisslike::write_index(&index, f);
    });
}

int faiss_write_index_fname(const FaissIndex* idx, const char* fname) {
    return guarded(__func__, [&] {
        const auto& index = get<const Index>(idx, "idx");
        require(fname, "fname");
        faisslike::write_index(&index, fname);
    });
}

int faiss_write_index_custom(const FaissIndex* idx, FaissIOWriter* io_writer, int io_flags) {
    return guarded(__func__, [&] {
        const auto& index = get<const Index>(idx, "idx");
        faisslike::write_index(&index, &get<faisslike::IOWriter>(io_writer, "io_writer"), io_flags);
    });
}

int faiss_read_index(FILE* f, int io_flags, FaissIndex** p_out) {
    return guarded(__func__, [&] {
        require(f, "f");
        require(p_out, "p_out");
        put(p_out, std::unique_ptr<Index>(faisslike::read_index(f, io_flags)), "p_out");
    });
}

int faiss_read_index_fname(const char* fname, int io_flags, FaissIndex** p_out) {
    return guarded(__func__, [&] {
        require(fname, "fname");
        require(p_out, "p_out");
        put(p_out, faisslike::read_index_up(fname, io_flags), "p_out");
    });
}

int faiss_read_index_custom(FaissIOReader* io_reader, int io_flags, FaissIndex** p_out) {
    return guarded(__func__, [&] {
        auto& reader = get<faisslike::IOReader>(io_reader, "io_reader");
        require(p_out, "p_out");
        put(p_out, faisslike::read_index_up(&reader, io_flags), "p_out");
    });
}

int faiss_read_VectorTransform_fname(const char* fname, FaissVectorTransform** p_out) {
    return guarded(__func__, [&] {
        require(fname, "fname");
        require(p_out, "p_out");
        put(p_out, std::unique_ptr<faisslike::VectorTransform>(faisslike::read_VectorTransform(fname)),
            "p_out");
    });
}

} // extern "C"
