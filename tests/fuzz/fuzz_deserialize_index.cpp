// libFuzzer target: any byte string given to deserialize_index must either load
// (and then be searchable) or throw FaisslikeException. Anything else — a crash,
// a sanitizer report, another exception type, an outsized allocation — is a bug.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include <faisslike/Index.h>
#include <faisslike/impl/FaisslikeException.h>
#include <faisslike/index_io.h>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace faisslike;
    std::unique_ptr<Index> index;
    try {
        index.reset(deserialize_index(data, size));
    } catch (const FaisslikeException&) {
        return 0;
    }
    // Loaded: it must answer a query (bounded, so the fuzzer stays fast).
    if (index->d > 0 && index->d <= 4096 && index->ntotal <= 100000 && index->is_trained) {
        std::vector<float> query(index->d, 0.5f);
        float distances[3];
        idx_t labels[3];
        try {
            index->search(1, query.data(), 3, distances, labels);
        } catch (const FaisslikeException&) {
        }
    }
    return 0;
}
