#include "clone_index_c.h"

#include <faisslike/clone_index.h>

#include "c_api_impl.h"

extern "C" {

int faiss_clone_index(const FaissIndex* idx, FaissIndex** p_out) {
    return faisslike_c::guarded(__func__, [&] {
        const auto& index = faisslike_c::get<const faisslike::Index>(idx, "idx");
        std::unique_ptr<faisslike::Index> copy(faisslike::clone_index(&index));
        faisslike_c::put(p_out, std::move(copy), "p_out");
    });
}

} // extern "C"
