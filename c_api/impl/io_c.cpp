#include "io_c.h"

#include <faisslike/impl/io.h>

#include "../c_api_impl.h"

namespace {

/// Reads through a C callback.
struct CustomIOReader : faisslike::IOReader {
    size_t (*read)(void* ptr, size_t size, size_t nitems);

    explicit CustomIOReader(size_t (*read)(void*, size_t, size_t)) : read(read) {
        name = "<custom reader>";
    }
    size_t operator()(void* ptr, size_t size, size_t nitems) override {
        return read(ptr, size, nitems);
    }
};

/// Writes through a C callback.
struct CustomIOWriter : faisslike::IOWriter {
    size_t (*write)(const void* ptr, size_t size, size_t nitems);

    explicit CustomIOWriter(size_t (*write)(const void*, size_t, size_t)) : write(write) {
        name = "<custom writer>";
    }
    size_t operator()(const void* ptr, size_t size, size_t nitems) override {
        return write(ptr, size, nitems);
    }
};

} // namespace

extern "C" {

FAISSLIKE_C_DESTRUCTOR(IOReader)
FAISSLIKE_C_DESTRUCTOR(IOWriter)
FAISSLIKE_C_DESTRUCTOR(CustomIOReader)
FAISSLIKE_C_DESTRUCTOR(CustomIOWriter)

int faiss_CustomIOReader_new(
        FaissCustomIOReader** p_out,
        size_t (*func_in)(void* ptr, size_t size, size_t nitems)) {
    return faisslike_c::guarded(__func__, [&] {
        if (!func_in) {
            throw faisslike_c::ApiError{"func_in is NULL"};
        }
        faisslike_c::put(p_out, std::make_unique<CustomIOReader>(func_in), "p_out");
    });
}

int faiss_CustomIOWriter_new(
        FaissCustomIOWriter** p_out,
        size_t (*func_in)(const void* ptr, size_t size, size_t nitems)) {
    return faisslike_c::guarded(__func__, [&] {
        if (!func_in) {
            throw faisslike_c::ApiError{"func_in is NULL"};
        }
        faisslike_c::put(p_out, std::make_unique<CustomIOWriter>(func_in), "p_out");
    });
}

} // extern "C"
