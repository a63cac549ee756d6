// Writes one valid, small index file of every built-in type into a directory:
// the seed corpus of the deserialize_index fuzzer.

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <faisslike/IVFlib.h>
#include <faisslike/IndexIDMap.h>
#include <faisslike/index_factory.h>
#include <faisslike/index_io.h>
#include <faisslike/utils/random.h>

int main(int argc, char** argv) {
    using namespace faisslike;
    if (argc != 2) {
        std::fprintf(stderr, "usage: make_fuzz_corpus DIR\n");
        return 2;
    }
    const int d = 8;
    const size_t n = 64;
    std::vector<float> x(n * d);
    float_clustered(x.data(), n, d, 4, 0.3f, 1);
    std::vector<idx_t> ids(n);
    for (size_t i = 0; i < n; i++) {
        ids[i] = idx_t(i) * 5 + 1;
    }
    const std::vector<std::pair<std::string, MetricType>> specs = {
            {"Flat", METRIC_L2}, {"Flat", METRIC_INNER_PRODUCT}, {"IDMap,Flat", METRIC_L2},
            {"IDMap2,Flat", METRIC_L2}, {"IVF4,Flat", METRIC_L2}, {"IDMap2,IVF4,Flat", METRIC_INNER_PRODUCT},
            {"PCA4,IVF4,Flat", METRIC_L2}, {"PCAWR4,Flat", METRIC_L2}, {"RR8,Flat", METRIC_L2},
            {"L2norm,Flat", METRIC_INNER_PRODUCT}, {"IVF4,Flat,RFlat", METRIC_L2},
            {"IVF2,Flat,Refine(Flat)", METRIC_L2}, {"IVF4,HNSW4_SQ8", METRIC_L2}};
    int written = 0;
    for (size_t s = 0; s < specs.size(); s++) {
        std::unique_ptr<Index> index(index_factory(d, specs[s].first.c_str(), specs[s].second));
        index->train(n, x.data());
        if (dynamic_cast<IndexIDMap*>(index.get())) {
            index->add_with_ids(n, x.data(), ids.data());
        } else {
            index->add(n, x.data());
        }
        if (IndexIVF* ivf = try_extract_index_ivf(index.get())) {
            ivf->set_direct_map_type(s % 2 ? DirectMap::Hashtable : DirectMap::Array);
        }
        std::string path = std::string(argv[1]) + "/seed_" + std::to_string(s) + ".index";
        write_index(index.get(), path.c_str());
        written++;
    }
    std::printf("wrote %d seed files to %s\n", written, argv[1]);
    return 0;
}
