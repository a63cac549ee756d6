#include "index_factory_c.h"

#include <faisslike/index_factory.h>

#include "c_api_impl.h"

extern "C" {

int faiss_index_factory(
        FaissIndex** p_index,
        int d,
        const char* description,
        FaissMetricType metric) {
    return faisslike_c::guarded(__func__, [&] {
        faisslike_c::require(description, "description");
        std::unique_ptr<faisslike::Index> index(
                faisslike::index_factory(d, description, faisslike_c::to_metric(metric)));
        faisslike_c::put(p_index, std::move(index), "p_index");
    });
}

} // extern "C"
