// `faisslike bench`: build, search and score indexes given as factory strings.

#include <omp.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <cstdio>
#include <memory>
#include <numeric>
#include <optional>

#include <faisslike/IVFlib.h>
#include <faisslike/Index.h>
#include <faisslike/IndexHNSW.h>
#include <faisslike/IndexIDMap.h>
#include <faisslike/IndexPreTransform.h>
#include <faisslike/IndexRefine.h>
#include <faisslike/impl/FaisslikeException.h>
#include <faisslike/index_factory.h>
#include <faisslike/index_io.h>
#include <faisslike/utils/random.h>

#include "cli_args.h"
#include "commands.h"
#include "ground_truth.h"
#include "index_memory.h"
#include "output_format.h"
#include "progress.h"
#include "vector_io.h"

namespace faisslike::tools {

const char* const kBenchHelp = R"(usage: faisslike bench [options] [INDEX_SPEC ...]

Builds each index described by a Faiss factory string (default: Flat IDMap,Flat),
trains it if needed, adds the base vectors, searches the queries and prints one
row per index: build time (train + add), search throughput, recall and memory.

Without --base the data is generated: SIFT-like clustered vectors, base and
queries drawn from the same seeded distribution.

data:
  --base FILE      base vectors: .fvecs, .bvecs, or .npy (float32, float64, uint8)
  --query FILE     query vectors, same formats (required with --base)
  --gt FILE        ground truth: .ivecs or int32/int64 .npy, row q holding the ids
                   (base row numbers) of the neighbours of query q, nearest first;
                   default: computed exactly
  --nb N           base size: generated count (default 100000) or first N of --base
  --nq N           query count: generated count (default 1000) or first N of --query
  --d D            dimension of generated data (default 128)
  --seed S         seed of generated data (default 1234)
search:
  --metric l2|ip   squared L2 distance or inner product (default l2)
  --k K            neighbours per query (default 10)
  --threads T      OpenMP threads (default: all cores)
  --search-threads LIST
                   search each setting once per thread count in the list
                   (e.g. 1,2), on the index built once with --threads
  --nprobe LIST    IVF indexes: search once per nprobe in the comma-separated
                   list (e.g. 1,4,16,64), one row each; default: the index's own
  --ef LIST        HNSW indexes (also an IVF's HNSW quantizer): search once per
                   efSearch in the list, one row each (with --nprobe, one row
                   per pair); default: the index's own
  --upper-beam N   HNSW indexes: nodes a search keeps on level 1 before level 0
                   (1: Faiss's greedy descent, the default)
index files:
  --save-index FILE  write the built index to FILE (one INDEX_SPEC only)
  --load-index FILE  search the index in FILE instead of building one (no
                     INDEX_SPEC; build times are reported as 0)
output:
  --json           one JSON object per index on stdout instead of the table
  --quiet          no progress or notes on stderr
  -h, --help       this help

R@k is the fraction of queries whose true nearest neighbour is among the first
k results, as in Faiss. kNN-R@k (when the ground truth has k columns, always
for computed ground truth) is the fraction of the true k nearest neighbours
found among the k results, as in ann-benchmarks.

example:
  faisslike bench --base sift_base.fvecs --query sift_query.fvecs \
      --gt sift_groundtruth.ivecs Flat IDMap,Flat
)";

namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kDefaultGeneratedBase = 100000;
constexpr size_t kDefaultGeneratedQueries = 1000;
constexpr size_t kDefaultDimension = 128;
constexpr int64_t kDefaultSeed = 1234;
// Generated data: enough clusters that they are small relative to the base, as
// in SIFT; the spread (noise relative to centre spacing) keeps them separable
// without making the search trivial.
constexpr size_t kGeneratedClusters = 256;
constexpr float kGeneratedSpread = 0.5f;
// Steps are cut into about this many pieces so progress moves; pieces stay big
// enough not to change what is measured.
constexpr size_t kProgressSteps = 20;
constexpr size_t kMinAddChunk = 16384;
constexpr size_t kMinSearchChunk = 1024;

struct BenchOptions {
    std::string base_path;
    std::string query_path;
    std::string gt_path;
    std::optional<size_t> nb;
    std::optional<size_t> nq;
    std::optional<size_t> d;
    std::optional<int64_t> seed;
    MetricType metric = METRIC_L2;
    size_t k = 10;
    std::optional<int> threads;
    std::vector<size_t> nprobes;
    std::vector<size_t> efs;
    int upper_beam = 0; ///< 0: the index's own
    std::vector<size_t> search_threads;
    std::string save_index;
    std::string load_index;
    bool json = false;
    bool quiet = false;
    bool help = false;
    std::vector<std::string> specs;
};

struct Dataset {
    Matrix<float> base;
    Matrix<float> queries;
    Matrix<int64_t> gt;
    std::string description;
    std::string gt_source;
};

struct BenchResult {
    std::string spec;
    size_t nprobe = 0; ///< 0: not an IVF index, or its own setting
    size_t ef_search = 0; ///< 0: no HNSW index found
    int upper_beam = 0; ///< HNSW only
    int search_threads = 0; ///< 0: searched with the build's threads
    std::string error;
    double train_s = 0;
    double add_s = 0;
    double search_s = 0;
    /// Processor time of all threads (std::clock): on a shared machine it
    /// is what a run costs, whatever the other processes do to the wall time.
    double add_cpu_s = 0;
    double search_cpu_s = 0;
    std::vector<std::pair<size_t, double>> recalls;
    std::optional<double> knn_recall; ///< kNN-R@k, when the ground truth has k columns
    uint64_t memory_bytes = 0;
};

double cpu_seconds_since(std::clock_t start) {
    return double(std::clock() - start) / CLOCKS_PER_SEC;
}

double seconds_since(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

std::string base_name(const std::string& path) {
    size_t slash = path.find_last_of('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

/// "1,4,16": positive counts separated by commas.
std::vector<size_t> parse_count_list(const std::string& list, const std::string& name) {
    std::vector<size_t> values;
    size_t start = 0;
    for (;;) {
        size_t comma = list.find(',', start);
        values.push_back(size_t(parse_int(list.substr(start, comma - start), name, 1, int64_t(1) << 30)));
        if (comma == std::string::npos) {
            return values;
        }
        start = comma + 1;
    }
}

BenchOptions parse_options(const std::vector<std::string>& args) {
    BenchOptions o;
    constexpr int64_t kMaxCount = int64_t(1) << 40;
    ArgParser p(args);
    while (p.next()) {
        if (!p.is_option()) {
            o.specs.push_back(p.arg());
            continue;
        }
        const std::string& name = p.name();
        if (name == "-h" || name == "--help") {
            p.no_value();
            o.help = true;
        } else if (name == "--base") {
            o.base_path = p.value();
        } else if (name == "--query") {
            o.query_path = p.value();
        } else if (name == "--gt") {
            o.gt_path = p.value();
        } else if (name == "--nb") {
            o.nb = size_t(parse_int(p.value(), name, 1, kMaxCount));
        } else if (name == "--nq") {
            o.nq = size_t(parse_int(p.value(), name, 1, kMaxCount));
        } else if (name == "--d") {
            o.d = size_t(parse_int(p.value(), name, 1, int64_t(kMaxDimension)));
        } else if (name == "--seed") {
            o.seed = parse_int(p.value(), name, 0, int64_t(1) << 62);
        } else if (name == "--metric") {
            std::string m = p.value();
            if (m == "l2" || m == "L2") {
                o.metric = METRIC_L2;
            } else if (m == "ip" || m == "IP") {
                o.metric = METRIC_INNER_PRODUCT;
            } else {
                throw UsageError("--metric expects l2 or ip, got '" + m + "'");
            }
        } else if (name == "--k") {
            o.k = size_t(parse_int(p.value(), name, 1, int64_t(1) << 20));
        } else if (name == "--threads") {
            o.threads = int(parse_int(p.value(), name, 1, 4096));
        } else if (name == "--nprobe") {
            o.nprobes = parse_count_list(p.value(), name);
        } else if (name == "--ef") {
            o.efs = parse_count_list(p.value(), name);
        } else if (name == "--upper-beam") {
            o.upper_beam = int(parse_int(p.value(), name, 1, 4096));
        } else if (name == "--search-threads") {
            o.search_threads = parse_count_list(p.value(), name);
            for (size_t t : o.search_threads) {
                if (t > 4096) {
                    throw UsageError("--search-threads: " + std::to_string(t) + " exceeds 4096");
                }
            }
        } else if (name == "--save-index") {
            o.save_index = p.value();
        } else if (name == "--load-index") {
            o.load_index = p.value();
        } else if (name == "--json") {
            p.no_value();
            o.json = true;
        } else if (name == "--quiet") {
            p.no_value();
            o.quiet = true;
        } else {
            throw UsageError("unknown option " + name + " for bench");
        }
    }
    if (o.help) {
        return o;
    }
    if (o.base_path.empty() != o.query_path.empty()) {
        throw UsageError("--base and --query go together");
    }
    if (!o.gt_path.empty() && o.base_path.empty()) {
        throw UsageError("--gt needs --base and --query (generated data gets exact ground truth)");
    }
    if (!o.base_path.empty() && o.d) {
        throw UsageError("--d is for generated data; the dimension of --base comes from the file");
    }
    if (!o.base_path.empty() && o.seed) {
        throw UsageError("--seed is for generated data only");
    }
    if (!o.load_index.empty()) {
        if (!o.specs.empty() || !o.save_index.empty()) {
            throw UsageError("--load-index takes no INDEX_SPEC and no --save-index");
        }
        o.specs = {o.load_index};
    }
    if (!o.save_index.empty() && o.specs.size() != 1) {
        throw UsageError("--save-index needs exactly one INDEX_SPEC");
    }
    if (o.specs.empty()) {
        o.specs = {"Flat", "IDMap,Flat"};
    }
    return o;
}

// Builds every index once, empty, so a typo in the last spec fails before
// minutes of ground truth and benchmarking.
void check_specs(const BenchOptions& o, size_t d) {
    if (!o.load_index.empty()) {
        return; // read, and checked against the data, when it is benchmarked
    }
    for (const std::string& spec : o.specs) {
        try {
            std::unique_ptr<Index> index(index_factory(int(d), spec.c_str(), o.metric));
        } catch (const FaisslikeException& e) {
            throw UsageError(e.msg());
        }
    }
}

Matrix<float> read_prefix(
        const std::string& path,
        std::optional<size_t> limit,
        const char* option) {
    VectorFileInfo info = inspect_vector_file(path);
    if (limit && *limit > info.n) {
        throw FaisslikeException(
                std::string(option) + " " + std::to_string(*limit) + " exceeds the " +
                std::to_string(info.n) + " vectors in " + path);
    }
    Matrix<float> m = read_float_vectors(path, limit.value_or(kAllRows));
    if (m.n == 0) {
        throw FaisslikeException(path + ": holds no vectors");
    }
    return m;
}

Dataset load_files(const BenchOptions& o) {
    VectorFileInfo base_info = inspect_vector_file(o.base_path);
    VectorFileInfo query_info = inspect_vector_file(o.query_path);
    if (base_info.d != query_info.d) {
        throw FaisslikeException(
                "queries have dimension " + std::to_string(query_info.d) + " (" + o.query_path +
                ") but the base has " + std::to_string(base_info.d) + " (" + o.base_path + ")");
    }
    check_specs(o, base_info.d);

    Dataset data;
    Progress reading("read", 0, o.quiet);
    data.base = read_prefix(o.base_path, o.nb, "--nb");
    data.queries = read_prefix(o.query_path, o.nq, "--nq");
    reading.finish(
            std::to_string(data.base.n) + " base and " + std::to_string(data.queries.n) +
            " query vectors of dimension " + std::to_string(data.base.d));
    data.description = base_name(o.base_path) + " (" + element_type_name(base_info.type) + ")";
    if (!o.gt_path.empty()) {
        data.gt = read_int_vectors(o.gt_path, data.queries.n);
        check_ground_truth(data.gt, data.queries.n, data.base.n, o.gt_path);
        data.gt_source = base_name(o.gt_path);
    }
    return data;
}

Dataset generate(const BenchOptions& o) {
    size_t d = o.d.value_or(kDefaultDimension);
    size_t nb = o.nb.value_or(kDefaultGeneratedBase);
    size_t nq = o.nq.value_or(kDefaultGeneratedQueries);
    int64_t seed = o.seed.value_or(kDefaultSeed);
    check_specs(o, d);
    check_fits_in_memory("generated data", nb + nq, d, sizeof(float));

    // One call draws base and queries from the same cluster centres; the
    // queries are the last nq rows.
    Progress progress("generate", 0, o.quiet);
    Dataset data;
    data.base.n = nb;
    data.base.d = d;
    data.base.values.resize((nb + nq) * d);
    float_clustered(
            data.base.values.data(), nb + nq, d, kGeneratedClusters, kGeneratedSpread, seed);
    data.queries.n = nq;
    data.queries.d = d;
    data.queries.values.assign(data.base.values.begin() + nb * d, data.base.values.end());
    data.base.values.resize(nb * d);
    progress.finish(
            std::to_string(nb) + " base and " + std::to_string(nq) +
            " query vectors of dimension " + std::to_string(d));
    data.description = "generated (clustered, seed " + std::to_string(seed) + ")";
    return data;
}

IndexHNSW* try_extract_index_hnsw(Index* index);

// Adds in chunks so progress moves, except into HNSW graphs: each add call
// inserts its own upper-level nodes first, so a graph built in chunks is not
// the one a single call builds (and the other libraries get one call).
// IDMap indexes get the ids 0..nb-1 so that labels are base rows for every index.
void add_base(Index& index, const Matrix<float>& base, const std::string& spec, bool quiet) {
    bool takes_ids = dynamic_cast<IndexIDMap*>(&index) != nullptr;
    std::vector<idx_t> ids;
    if (takes_ids) {
        ids.resize(base.n);
        std::iota(ids.begin(), ids.end(), idx_t(0));
    }
    size_t chunk = try_extract_index_hnsw(&index) ? std::max<size_t>(base.n, 1)
                                                  : std::max(kMinAddChunk, base.n / kProgressSteps);
    Progress progress(spec + ": add", base.n, quiet);
    for (size_t i = 0; i < base.n; i += chunk) {
        size_t n = std::min(chunk, base.n - i);
        if (takes_ids) {
            index.add_with_ids(idx_t(n), base.row(i), ids.data() + i);
        } else {
            index.add(idx_t(n), base.row(i));
        }
        progress.update(i + n);
    }
    progress.finish(std::to_string(base.n) + " vectors");
}

/// The IndexHNSW inside index, looking through the wrappers and into an IVF
/// index's coarse quantizer; nullptr when there is none.
IndexHNSW* try_extract_index_hnsw(Index* index) {
    while (index) {
        if (auto hnsw = dynamic_cast<IndexHNSW*>(index)) {
            return hnsw;
        }
        if (auto pre = dynamic_cast<IndexPreTransform*>(index)) {
            index = pre->index;
        } else if (auto idmap = dynamic_cast<IndexIDMap*>(index)) {
            index = idmap->index;
        } else if (auto refine = dynamic_cast<IndexRefine*>(index)) {
            index = refine->base_index;
        } else if (auto ivf = dynamic_cast<IndexIVF*>(index)) {
            index = ivf->quantizer;
        } else {
            return nullptr;
        }
    }
    return nullptr;
}

/// Fraction of the true k nearest neighbours (the first k columns of gt)
/// among the first k labels of each query.
double knn_recall(const Matrix<int64_t>& gt, const idx_t* labels, size_t nq, size_t k) {
    size_t hits = 0;
    for (size_t q = 0; q < nq; q++) {
        const int64_t* truth = gt.row(q);
        const idx_t* row = labels + q * k;
        for (size_t i = 0; i < k; i++) {
            hits += std::find(truth, truth + k, row[i]) != truth + k;
        }
    }
    return nq ? double(hits) / double(nq * k) : 0.0;
}

/// Trains (if needed) and fills a new index from its factory string,
/// recording the times and the memory in `built`.
void build_index(std::unique_ptr<Index>& index, const std::string& spec, const Matrix<float>& base,
                 const BenchOptions& o, BenchResult& built) {
    index.reset(index_factory(int(base.d), spec.c_str(), o.metric));
    if (!index->is_trained) {
        Progress progress(spec + ": train", 0, o.quiet);
        auto t0 = Clock::now();
        index->train(idx_t(base.n), base.values.data());
        built.train_s = seconds_since(t0);
        progress.finish("on " + std::to_string(base.n) + " vectors");
    }
    auto t0 = Clock::now();
    std::clock_t c0 = std::clock();
    add_base(*index, base, spec, o.quiet);
    built.add_s = seconds_since(t0);
    built.add_cpu_s = cpu_seconds_since(c0);
    built.memory_bytes = index_memory_bytes(*index);
}

/// Builds one index and searches it once per nprobe and efSearch setting
/// (once when the index has no IVF or HNSW part or no --nprobe / --ef was
/// given): one result each.
std::vector<BenchResult> run_index(
        const std::string& spec,
        const Dataset& data,
        const BenchOptions& o,
        const std::vector<size_t>& recall_ks) {
    BenchResult built;
    built.spec = spec;
    const Matrix<float>& base = data.base;
    const Matrix<float>& queries = data.queries;
    std::unique_ptr<Index> index;
    if (!o.load_index.empty()) {
        index.reset(read_index(o.load_index.c_str()));
        if (size_t(index->d) != base.d || size_t(index->ntotal) != base.n) {
            throw FaisslikeException(
                    "holds " + std::to_string(index->ntotal) + " x " +
                    std::to_string(index->d) + " vectors, the base " + std::to_string(base.n) + " x " +
                    std::to_string(base.d));
        }
        built.memory_bytes = index_memory_bytes(*index);
    } else {
        build_index(index, spec, base, o, built);
    }
    if (!o.save_index.empty()) {
        write_index(index.get(), o.save_index.c_str());
    }

    IndexIVF* ivf = try_extract_index_ivf(index.get());
    std::vector<size_t> nprobes = ivf && !o.nprobes.empty() ? o.nprobes : std::vector<size_t>{0};
    IndexHNSW* hnsw = try_extract_index_hnsw(index.get());
    std::vector<size_t> efs = hnsw && !o.efs.empty() ? o.efs : std::vector<size_t>{0};
    std::vector<BenchResult> results;
    std::vector<float> distances(queries.n * o.k);
    std::vector<idx_t> labels(queries.n * o.k);
    size_t chunk = std::max(kMinSearchChunk, queries.n / kProgressSteps);
    // Thread counts of the searches (0: the build's), the slowest-varying
    // setting, so the rows of one thread count come together.
    std::vector<size_t> thread_counts = o.search_threads.empty() ? std::vector<size_t>{0} : o.search_threads;
    int build_threads = omp_get_max_threads();
    size_t nsettings = nprobes.size() * efs.size();
    for (size_t setting = 0; setting < thread_counts.size() * nsettings; setting++) {
        size_t threads = thread_counts[setting / nsettings];
        size_t nprobe = nprobes[setting % nsettings / efs.size()], ef = efs[setting % efs.size()];
        omp_set_num_threads(threads > 0 ? int(threads) : build_threads);
        BenchResult r = built;
        r.search_threads = int(threads);
        if (ivf) {
            if (nprobe > 0) {
                ivf->nprobe = nprobe;
            }
            r.nprobe = ivf->nprobe;
        }
        if (hnsw) {
            if (ef > 0) {
                hnsw->hnsw.efSearch = int(ef);
            }
            r.ef_search = size_t(hnsw->hnsw.efSearch);
            if (o.upper_beam > 0) {
                hnsw->hnsw.upper_beam = o.upper_beam;
            }
            r.upper_beam = hnsw->hnsw.upper_beam;
        }
        std::string label = spec + (ivf ? " nprobe=" + std::to_string(r.nprobe) : "") +
                (hnsw ? " efSearch=" + std::to_string(r.ef_search) : "") +
                (threads > 0 ? " threads=" + std::to_string(threads) : "");
        Progress progress(label + ": search", queries.n, o.quiet);
        auto t0 = Clock::now();
        std::clock_t c0 = std::clock();
        for (size_t i = 0; i < queries.n; i += chunk) {
            size_t n = std::min(chunk, queries.n - i);
            index->search(
                    idx_t(n), queries.row(i), idx_t(o.k), distances.data() + i * o.k,
                    labels.data() + i * o.k);
            progress.update(i + n);
        }
        r.search_s = seconds_since(t0);
        r.search_cpu_s = cpu_seconds_since(c0);
        progress.finish(std::to_string(queries.n) + " queries");
        for (size_t k : recall_ks) {
            r.recalls.emplace_back(k, recall_at(data.gt, labels.data(), queries.n, o.k, k));
        }
        if (data.gt.d >= o.k) {
            r.knn_recall = knn_recall(data.gt, labels.data(), queries.n, o.k);
        }
        results.push_back(std::move(r));
    }
    omp_set_num_threads(build_threads);
    return results;
}

double qps(const BenchResult& r, size_t nq) {
    return r.search_s > 0 ? double(nq) / r.search_s : 0.0;
}

std::string json_line(
        const BenchResult& r,
        const Dataset& data,
        const BenchOptions& o,
        int threads) {
    JsonLine j;
    j.add("index", r.spec);
    if (r.nprobe > 0) {
        j.add("nprobe", int64_t(r.nprobe));
    }
    if (r.ef_search > 0) {
        j.add("ef_search", int64_t(r.ef_search));
        j.add("upper_beam", int64_t(r.upper_beam));
    }
    if (r.search_threads > 0) {
        j.add("search_threads", int64_t(r.search_threads));
    }
    j            .add("data", data.description)
            .add("nb", int64_t(data.base.n))
            .add("nq", int64_t(data.queries.n))
            .add("d", int64_t(data.base.d))
            .add("metric", metric_name(o.metric))
            .add("k", int64_t(o.k))
            .add("threads", int64_t(threads));
    if (!r.error.empty()) {
        j.add("error", r.error);
        return j.str();
    }
    j.add("train_s", r.train_s)
            .add("add_s", r.add_s)
            .add("build_s", r.train_s + r.add_s)
            .add("search_s", r.search_s)
            .add("add_cpu_s", r.add_cpu_s)
            .add("search_cpu_s", r.search_cpu_s)
            .add("qps", qps(r, data.queries.n));
    for (const auto& [k, recall] : r.recalls) {
        j.add("recall_at_" + std::to_string(k), recall);
    }
    if (r.knn_recall) {
        j.add("knn_recall_at_" + std::to_string(o.k), *r.knn_recall);
    }
    j.add("memory_bytes", int64_t(r.memory_bytes));
    return j.str();
}

void print_table(
        const std::vector<BenchResult>& results,
        const Dataset& data,
        const BenchOptions& o,
        const std::vector<size_t>& recall_ks,
        int threads) {
    std::printf(
            "data: %s, %zu base and %zu query vectors, d=%zu, metric %s, k=%zu, threads=%d\n",
            data.description.c_str(), data.base.n, data.queries.n, data.base.d,
            metric_name(o.metric), o.k, threads);
    bool any_ivf = std::any_of(results.begin(), results.end(),
                               [](const BenchResult& r) { return r.nprobe > 0; });
    bool any_hnsw = std::any_of(results.begin(), results.end(),
                                [](const BenchResult& r) { return r.ef_search > 0; });
    bool any_threads = std::any_of(results.begin(), results.end(),
                                   [](const BenchResult& r) { return r.search_threads > 0; });
    bool any_knn = std::any_of(results.begin(), results.end(),
                               [](const BenchResult& r) { return r.knn_recall.has_value(); });
    std::vector<std::string> header = {"index"};
    if (any_ivf) {
        header.push_back("nprobe");
    }
    if (any_hnsw) {
        header.push_back("efSearch");
    }
    if (any_threads) {
        header.push_back("threads");
    }
    for (const char* h : {"build s", "search s", "QPS"}) {
        header.push_back(h);
    }
    for (size_t k : recall_ks) {
        header.push_back("R@" + std::to_string(k));
    }
    if (any_knn) {
        header.push_back("kNN-R@" + std::to_string(o.k));
    }
    header.push_back("memory");
    TextTable table(header);
    for (const BenchResult& r : results) {
        std::vector<std::string> row = {r.spec};
        if (any_ivf) {
            row.push_back(r.nprobe > 0 ? std::to_string(r.nprobe) : "");
        }
        if (any_hnsw) {
            row.push_back(r.ef_search > 0 ? std::to_string(r.ef_search) : "");
        }
        if (any_threads) {
            row.push_back(r.search_threads > 0 ? std::to_string(r.search_threads) : "");
        }
        if (!r.error.empty()) {
            row.push_back("failed");
            table.add_row(row);
            continue;
        }
        double q = qps(r, data.queries.n);
        for (const std::string& cell :
             {fixed(r.train_s + r.add_s, 3), fixed(r.search_s, 3), fixed(q, q < 100 ? 1 : 0)}) {
            row.push_back(cell);
        }
        for (const auto& rk : r.recalls) {
            row.push_back(fixed(rk.second, 4));
        }
        if (any_knn) {
            row.push_back(r.knn_recall ? fixed(*r.knn_recall, 4) : "");
        }
        row.push_back(human_bytes(r.memory_bytes));
        table.add_row(row);
    }
    std::fputs(table.render().c_str(), stdout);
    std::printf(
            "R@k: fraction of queries whose true nearest neighbour is among the first k "
            "results (ground truth: %s)\n",
            data.gt_source.c_str());
    std::fflush(stdout);
}

} // namespace

int bench_command(const std::vector<std::string>& args) {
    BenchOptions o = parse_options(args);
    if (o.help) {
        std::fputs(kBenchHelp, stdout);
        return 0;
    }
    if (o.threads) {
        omp_set_num_threads(*o.threads);
    }
    int threads = omp_get_max_threads();

    Dataset data = o.base_path.empty() ? generate(o) : load_files(o);
    check_fits_in_memory("search results", data.queries.n, o.k, sizeof(float) + sizeof(idx_t));
    if (data.gt_source.empty()) {
        data.gt = exact_neighbors(data.base, data.queries, o.k, o.metric, o.quiet);
        data.gt_source = "exact, computed";
    }

    std::vector<size_t> recall_ks;
    for (size_t k : {size_t(1), size_t(10), o.k}) {
        if (k <= o.k && std::find(recall_ks.begin(), recall_ks.end(), k) == recall_ks.end()) {
            recall_ks.push_back(k);
        }
    }

    std::vector<BenchResult> results;
    bool failed = false;
    for (const std::string& spec : o.specs) {
        std::vector<BenchResult> rows;
        // One index failing (say, out of memory) should not lose the others' rows.
        BenchResult failure;
        failure.spec = spec;
        try {
            rows = run_index(spec, data, o, recall_ks);
        } catch (const FaisslikeException& e) {
            failure.error = e.msg();
        } catch (const std::exception& e) {
            failure.error = e.what();
        }
        if (!failure.error.empty()) {
            failed = true;
            std::fprintf(stderr, "faisslike: error: %s: %s\n", spec.c_str(), failure.error.c_str());
            rows = {failure};
        }
        for (BenchResult& r : rows) {
            if (o.json) {
                std::printf("%s\n", json_line(r, data, o, threads).c_str());
                std::fflush(stdout);
            }
            results.push_back(std::move(r));
        }
    }
    if (!o.json) {
        print_table(results, data, o, recall_ks, threads);
    }
    return failed ? 1 : 0;
}

} // namespace faisslike::tools
