#include <faisslike/index_factory.h>

#include <algorithm>
#include <functional>
#include <mutex>
#include <memory>
#include <regex>
#include <stdexcept>
#include <string>
#include <vector>

#include <faisslike/IndexFlat.h>
#include <faisslike/IndexHNSW.h>
#include <faisslike/IndexIDMap.h>
#include <faisslike/IndexIVFFlat.h>
#include <faisslike/IndexIVFHNSW.h>
#include <faisslike/IndexIVFPQ.h>
#include <faisslike/IndexPQ.h>
#include <faisslike/IndexPreTransform.h>
#include <faisslike/IndexRefine.h>
#include <faisslike/IndexScalarQuantizer.h>
#include <faisslike/VectorTransform.h>
#include <faisslike/impl/FaisslikeException.h>

namespace faisslike {

namespace {

// The grammar, as in Faiss: comma-separated components,
//   [IDMap|IDMap2,] [transform,]* main [,RFlat|,Refine(sub)] [,IDMap|,IDMap2]
// where main is a code ("Flat", ...) or "IVF<nlist>,<code>". Each table below is
// one kind of component; later index families add rows.

using Match = std::smatch;

int parse_dim(const Match& m, size_t group, int d_default) {
    return m[group].matched && m[group].length() > 0 ? std::stoi(m[group].str()) : d_default;
}

ScalarQuantizer::QuantizerType sq_type(const std::string& name) {
    if (name == "4") {
        return ScalarQuantizer::QT_4bit;
    }
    if (name == "6") {
        return ScalarQuantizer::QT_6bit;
    }
    if (name == "fp16") {
        return ScalarQuantizer::QT_fp16;
    }
    if (name == "bf16") {
        return ScalarQuantizer::QT_bf16;
    }
    if (name == "8_direct") {
        return ScalarQuantizer::QT_8bit_direct;
    }
    if (name == "8_direct_signed") {
        return ScalarQuantizer::QT_8bit_direct_signed;
    }
    return ScalarQuantizer::QT_8bit;
}

void register_builtin_forms(std::vector<IndexFactoryCode>& codes,
                            std::vector<IndexFactoryTransform>& transforms) {
    codes.push_back({"Flat", "Flat",
                     [](int d, MetricType metric, const Match&) {
                         return std::unique_ptr<Index>(std::make_unique<IndexFlat>(d, metric));
                     },
                     [](Index* q, int d, size_t nlist, MetricType metric, const Match&) {
                         return std::unique_ptr<IndexIVF>(std::make_unique<IndexIVFFlat>(q, d, nlist, metric));
                     }});
    // PQ<M>[x<nbits>][np]: "np" (no polysemous training) is accepted for Faiss
    // compatibility; polysemous training is not implemented, so it is the default.
    codes.push_back({"PQ([0-9]+)(x([0-9]+))?(np)?", "PQ16, PQ16x8, PQ16np",
                     [](int d, MetricType metric, const Match& m) {
                         return std::unique_ptr<Index>(std::make_unique<IndexPQ>(
                                 d, std::stoul(m[1].str()), m[3].matched ? std::stoul(m[3].str()) : 8, metric));
                     },
                     [](Index* q, int d, size_t nlist, MetricType metric, const Match& m) {
                         return std::unique_ptr<IndexIVF>(std::make_unique<IndexIVFPQ>(
                                 q, d, nlist, std::stoul(m[1].str()), m[3].matched ? std::stoul(m[3].str()) : 8,
                                 metric));
                     }});
    codes.push_back({"SQ(4|6|8|fp16|bf16|8_direct|8_direct_signed)", "SQ4, SQ6, SQ8, SQfp16, SQbf16, SQ8_direct",
                     [](int d, MetricType metric, const Match& m) {
                         return std::unique_ptr<Index>(
                                 std::make_unique<IndexScalarQuantizer>(d, sq_type(m[1].str()), metric));
                     },
                     [](Index* q, int d, size_t nlist, MetricType metric, const Match& m) {
                         return std::unique_ptr<IndexIVF>(std::make_unique<IndexIVFScalarQuantizer>(
                                 q, d, nlist, sq_type(m[1].str()), metric, true));
                     }});
    transforms.push_back({"PCA(W?)(R?)([0-9]+)", "PCA64, PCAW64, PCAR64, PCAWR64",
                          [](int& d, const Match& m) {
                              int d_out = parse_dim(m, 3, d);
                              auto t = std::make_unique<PCAMatrix>(d, d_out, m[1].length() ? -0.5f : 0.0f,
                                                                   m[2].length() > 0);
                              d = d_out;
                              return std::unique_ptr<VectorTransform>(std::move(t));
                          }});
    transforms.push_back({"RR([0-9]+)", "RR64",
                          [](int& d, const Match& m) {
                              int d_out = parse_dim(m, 1, d);
                              auto t = std::make_unique<RandomRotationMatrix>(d, d_out);
                              t->is_trained = false; // drawn at train time, as in Faiss
                              d = d_out;
                              return std::unique_ptr<VectorTransform>(std::move(t));
                          }});
    // OPQ<M>[_<d_out>]: Faiss's pattern; without _<d_out> the dimension is kept.
    transforms.push_back({"OPQ([0-9]+)(_[0-9]+)?", "OPQ16, OPQ16_64",
                          [](int& d, const Match& m) {
                              int d_out = m[2].length() > 0 ? std::stoi(m[2].str().substr(1)) : d;
                              auto t = std::make_unique<OPQMatrix>(d, std::stoi(m[1].str()), d_out);
                              d = d_out;
                              return std::unique_ptr<VectorTransform>(std::move(t));
                          }});
    transforms.push_back({"L2[nN]orm", "L2norm",
                          [](int& d, const Match&) {
                              return std::unique_ptr<VectorTransform>(
                                      std::make_unique<NormalizationTransform>(d));
                          }});
}

/// The registered components, built-ins first; lookups scan newest first.
struct FactoryRegistry {
    std::mutex mutex;
    std::vector<IndexFactoryCode> codes;
    std::vector<IndexFactoryTransform> transforms;

    FactoryRegistry() { register_builtin_forms(codes, transforms); }

    static FactoryRegistry& get() {
        static FactoryRegistry r;
        return r;
    }
};

/// A snapshot taken once per index_factory call, so registrations running
/// concurrently cannot disturb a parse.
struct Grammar {
    std::vector<IndexFactoryCode> codes;
    std::vector<IndexFactoryTransform> transforms;
    std::string description;
};

Grammar snapshot(const std::string& description) {
    auto& r = FactoryRegistry::get();
    std::lock_guard<std::mutex> lock(r.mutex);
    return {{r.codes.rbegin(), r.codes.rend()}, {r.transforms.rbegin(), r.transforms.rend()}, description};
}

/// Splits on the commas that are not inside parentheses.
std::vector<std::string> split_components(const std::string& s, const std::string& description) {
    std::vector<std::string> parts;
    int depth = 0;
    std::string cur;
    for (char c : s) {
        if (c == '(') {
            depth++;
        } else if (c == ')') {
            FAISSLIKE_THROW_IF_NOT_FMT(--depth >= 0, "could not parse index string \"%s\": unbalanced parentheses",
                                       description.c_str());
        }
        if (c == ',' && depth == 0) {
            parts.push_back(cur);
            cur.clear();
        } else {
            cur += c;
        }
    }
    FAISSLIKE_THROW_IF_NOT_FMT(depth == 0, "could not parse index string \"%s\": unbalanced parentheses",
                               description.c_str());
    parts.push_back(cur);
    return parts;
}

std::string accepted_forms(const Grammar& g) {
    std::string list = "[IDMap,|IDMap2,] [transform,]* (<code> | IVF<n>[_HNSW<M>],<code> | IVF<n>[_HNSW<M>],HNSW<M>[_<code>] | HNSW<M>[_<code>|,<code>])"
                       " [,RFlat|,Refine(<index>)]"
                       " with transform one of:";
    for (auto it = g.transforms.rbegin(); it != g.transforms.rend(); ++it) {
        list += " " + it->example;
    }
    list += "; code one of:";
    for (auto it = g.codes.rbegin(); it != g.codes.rend(); ++it) {
        list += " " + it->example;
    }
    return list;
}

[[noreturn]] void parse_error(const Grammar& g, const std::string& part) {
    FAISSLIKE_THROW_FMT("could not parse index string \"%s\": unexpected \"%s\" (accepted: %s)",
                        g.description.c_str(), part.c_str(), accepted_forms(g).c_str());
}

const IndexFactoryCode* find_code(const Grammar& g, const std::string& token, Match& match) {
    for (const auto& form : g.codes) {
        if (std::regex_match(token, match, std::regex(form.pattern))) {
            return &form;
        }
    }
    return nullptr;
}

/// "IVF1024", "IVF64k", "IVF1M": the number of lists; "IVF1024_HNSW32" also
/// sets hnsw_M, the M of an HNSW coarse quantizer (0 for a flat one).
bool parse_ivf(const std::string& token, size_t& nlist, int& hnsw_M) {
    static const std::regex ivf("IVF([0-9]+)([kM]?)(_HNSW([0-9]*))?");
    Match m;
    if (!std::regex_match(token, m, ivf)) {
        return false;
    }
    nlist = std::stoul(m[1].str());
    if (m[2] == "k") {
        nlist *= 1024;
    } else if (m[2] == "M") {
        nlist *= 1024 * 1024;
    }
    hnsw_M = !m[3].matched ? 0 : m[4].length() > 0 ? std::stoi(m[4].str()) : 32;
    return true;
}

/// "HNSW32", "HNSW32_SQ8", "HNSW": the graph's M (default 32) and the code
/// glued to it with "_" (empty when none).
bool parse_hnsw(const std::string& token, int& M, std::string& code) {
    static const std::regex hnsw("HNSW([0-9]*)(_(.+))?");
    Match m;
    if (!std::regex_match(token, m, hnsw)) {
        return false;
    }
    M = m[1].length() > 0 ? std::stoi(m[1].str()) : 32;
    code = m[3].matched ? m[3].str() : "";
    return true;
}

/// An HNSW index over the storage that `code` describes: the code is built
/// as a flat index, which gives the parameters of the matching IndexHNSW
/// subclass. The metric applies to every code (Faiss ignores it for PQ).
std::unique_ptr<Index> build_hnsw(int d, MetricType metric, int M, const std::string& code_str,
                                  const Grammar& g) {
    Match match;
    const IndexFactoryCode* code = find_code(g, code_str, match);
    if (!code || !code->flat) {
        parse_error(g, code_str);
    }
    auto storage = code->flat(d, metric, match);
    if (dynamic_cast<IndexFlat*>(storage.get())) {
        return std::make_unique<IndexHNSWFlat>(d, M, metric);
    }
    if (auto pq = dynamic_cast<IndexPQ*>(storage.get())) {
        return std::make_unique<IndexHNSWPQ>(d, int(pq->pq.M), M, int(pq->pq.nbits), metric);
    }
    if (auto sq = dynamic_cast<IndexScalarQuantizer*>(storage.get())) {
        return std::make_unique<IndexHNSWSQ>(d, sq->sq.qtype, M, metric);
    }
    FAISSLIKE_THROW_FMT("could not parse index string \"%s\": HNSW stores Flat, PQ or SQ codes, not \"%s\"",
                        g.description.c_str(), code_str.c_str());
}

std::unique_ptr<Index> parse_main(int d, MetricType metric, std::vector<std::string> parts,
                                  const Grammar& g) {
    Match match;
    size_t nlist = 0;
    int hnsw_M = 0;
    std::string hnsw_code;
    if (parts.size() <= 2 && parse_hnsw(parts[0], hnsw_M, hnsw_code)) {
        if (parts.size() == 2 && !hnsw_code.empty()) {
            parse_error(g, parts[1]);
        }
        FAISSLIKE_THROW_IF_NOT_FMT(hnsw_M >= 2, "could not parse index string \"%s\": HNSW M must be >= 2",
                                   g.description.c_str());
        return build_hnsw(d, metric, hnsw_M, parts.size() == 2 ? parts[1] : hnsw_code.empty() ? "Flat" : hnsw_code,
                          g);
    }
    if (parts.size() == 1) {
        const IndexFactoryCode* code = find_code(g, parts[0], match);
        if (!code || !code->flat) {
            parse_error(g, parts[0]);
        }
        return code->flat(d, metric, match);
    }
    int graph_M = 0;
    std::string graph_code;
    if (parts.size() == 2 && parse_ivf(parts[0], nlist, hnsw_M) && parse_hnsw(parts[1], graph_M, graph_code)) {
        // "IVF256,HNSW32_PQ16": a graph over each list's codes (Lance's
        // IVF_HNSW_*), around the IVF that "IVF256,PQ16" builds.
        FAISSLIKE_THROW_IF_NOT_FMT(graph_M >= 2, "could not parse index string \"%s\": HNSW M must be >= 2",
                                   g.description.c_str());
        std::unique_ptr<Index> inner = parse_main(d, metric, {parts[0], graph_code.empty() ? "Flat" : graph_code}, g);
        auto index = std::make_unique<IndexIVFHNSW>(static_cast<IndexIVF*>(inner.get()), graph_M);
        index->own_fields = true;
        inner.release();
        return index;
    }
    if (parts.size() == 2 && parse_ivf(parts[0], nlist, hnsw_M)) {
        const IndexFactoryCode* code = find_code(g, parts[1], match);
        if (!code || !code->ivf) {
            parse_error(g, parts[1]);
        }
        FAISSLIKE_THROW_IF_NOT_FMT(nlist > 0, "could not parse index string \"%s\": nlist must be > 0",
                                   g.description.c_str());
        std::unique_ptr<Index> quantizer;
        if (hnsw_M > 0) {
            FAISSLIKE_THROW_IF_NOT_FMT(hnsw_M >= 2, "could not parse index string \"%s\": HNSW M must be >= 2",
                                       g.description.c_str());
            quantizer = std::make_unique<IndexHNSWFlat>(d, hnsw_M, metric);
        } else {
            quantizer = std::make_unique<IndexFlat>(d, metric);
        }
        auto ivf = code->ivf(quantizer.get(), d, nlist, metric, match);
        ivf->own_fields = true;
        quantizer.release();
        if (hnsw_M > 0) {
            // k-means on a flat index, then the centroids go into the graph.
            ivf->quantizer_trains_alone = 2;
        }
        return ivf;
    }
    // Name the first component that cannot start or continue the main index.
    size_t bad = 0;
    if (parse_ivf(parts[0], nlist, hnsw_M) || (parse_hnsw(parts[0], hnsw_M, hnsw_code) && hnsw_code.empty())) {
        bad = find_code(g, parts[1], match) ? 2 : 1;
    } else if (parse_hnsw(parts[0], hnsw_M, hnsw_code) || find_code(g, parts[0], match)) {
        bad = 1;
    }
    parse_error(g, parts[std::min(bad, parts.size() - 1)]);
}

std::unique_ptr<Index> parse_index(int d, MetricType metric, std::vector<std::string> parts,
                                   const Grammar& g) {
    FAISSLIKE_THROW_IF_NOT_FMT(!parts.empty() && !parts[0].empty(),
                               "could not parse index string \"%s\": empty component", g.description.c_str());
    // IDMap / IDMap2 first or last.
    auto is_idmap = [](const std::string& p) { return p == "IDMap" || p == "IDMap2"; };
    std::string idmap;
    if (parts.size() > 1 && is_idmap(parts.front())) {
        idmap = parts.front();
        parts.erase(parts.begin());
    } else if (parts.size() > 1 && is_idmap(parts.back())) {
        idmap = parts.back();
        parts.pop_back();
    }
    if (!idmap.empty()) {
        for (const auto& p : parts) {
            if (is_idmap(p)) {
                parse_error(g, p);
            }
        }
        auto sub = parse_index(d, metric, parts, g);
        std::unique_ptr<IndexIDMap> wrapper = idmap == "IDMap2" ? std::make_unique<IndexIDMap2>(sub.get())
                                                                 : std::make_unique<IndexIDMap>(sub.get());
        wrapper->own_fields = true;
        sub.release();
        return wrapper;
    }

    // Refinement suffix.
    static const std::regex refine("Refine\\((.*)\\)");
    Match m;
    if (parts.size() > 1 && (parts.back() == "RFlat" || std::regex_match(parts.back(), m, refine))) {
        std::string last = parts.back();
        parts.pop_back();
        auto base = parse_index(d, metric, parts, g);
        std::unique_ptr<IndexRefine> wrapper;
        if (last == "RFlat") {
            wrapper = std::make_unique<IndexRefineFlat>(base.get());
        } else {
            std::string inner = last.substr(7, last.size() - 8);
            auto refine_index = parse_index(d, metric, split_components(inner, g.description), g);
            wrapper = std::make_unique<IndexRefine>(base.get(), refine_index.get());
            refine_index.release();
            wrapper->own_refine_index = true;
        }
        wrapper->own_fields = true;
        base.release();
        return wrapper;
    }

    // Leading transforms.
    std::vector<std::unique_ptr<VectorTransform>> transforms;
    int d_cur = d;
    while (parts.size() > 1) {
        const IndexFactoryTransform* found = nullptr;
        for (const auto& t : g.transforms) {
            if (std::regex_match(parts[0], m, std::regex(t.pattern))) {
                found = &t;
                break;
            }
        }
        if (!found) {
            break;
        }
        try {
            transforms.push_back(found->build(d_cur, m));
        } catch (const FaisslikeException& e) {
            FAISSLIKE_THROW_FMT("index_factory \"%s\": cannot build \"%s\": %s", g.description.c_str(),
                                parts[0].c_str(), e.msg().c_str());
        } catch (const std::out_of_range&) {
            FAISSLIKE_THROW_FMT("could not parse index string \"%s\": number out of range in \"%s\"",
                                g.description.c_str(), parts[0].c_str());
        }
        parts.erase(parts.begin());
    }
    auto index = parse_main(d_cur, metric, parts, g);
    if (transforms.empty()) {
        return index;
    }
    auto pre = std::make_unique<IndexPreTransform>(index.get());
    pre->own_fields = true;
    index.release();
    for (size_t i = transforms.size(); i-- > 0;) {
        pre->prepend_transform(transforms[i].get());
        transforms[i].release();
    }
    return pre;
}

} // namespace

Index* index_factory(int d, const char* description_in, MetricType metric) {
    FAISSLIKE_THROW_IF_NOT_MSG(description_in, "index_factory: null description");
    FAISSLIKE_THROW_IF_NOT_FMT(d > 0, "index_factory: dimension %d must be > 0", d);
    Grammar g = snapshot(description_in);
    return parse_index(d, metric, split_components(g.description, g.description), g).release();
}

namespace {

/// The factory name of a scalar quantizer type; the uniform types have none.
std::string sq_factory_name(ScalarQuantizer::QuantizerType qtype) {
    switch (qtype) {
        case ScalarQuantizer::QT_8bit: return "SQ8";
        case ScalarQuantizer::QT_4bit: return "SQ4";
        case ScalarQuantizer::QT_6bit: return "SQ6";
        case ScalarQuantizer::QT_fp16: return "SQfp16";
        case ScalarQuantizer::QT_bf16: return "SQbf16";
        case ScalarQuantizer::QT_8bit_direct: return "SQ8_direct";
        case ScalarQuantizer::QT_8bit_direct_signed: return "SQ8_direct_signed";
        default:
            FAISSLIKE_THROW_FMT("reverse_index_factory: the scalar quantizer type %d has no factory string",
                                int(qtype));
    }
}

std::string pq_factory_name(const ProductQuantizer& pq) {
    return "PQ" + std::to_string(pq.M) + "x" + std::to_string(pq.nbits);
}

/// The graph's M: level 0 has 2 * M neighbours.
int hnsw_factory_M(const IndexHNSW& index) {
    const auto& cum = index.hnsw.cum_nneighbor_per_level;
    return cum.size() > 1 ? cum[1] / 2 : 0;
}

std::string transform_factory_prefix(const VectorTransform* vt) {
    if (const auto* opq = dynamic_cast<const OPQMatrix*>(vt)) {
        return "OPQ" + std::to_string(opq->M) + "_" + std::to_string(opq->d_out);
    }
    if (const auto* pca = dynamic_cast<const PCAMatrix*>(vt)) {
        // Faiss names only the plain PCA; the whitened one has its own prefix.
        FAISSLIKE_THROW_IF_NOT_FMT(pca->eigen_power == 0.0f || pca->eigen_power == -0.5f,
                                   "reverse_index_factory: a PCAMatrix with eigen_power %g has no factory string",
                                   double(pca->eigen_power));
        return std::string("PCA") + (pca->eigen_power != 0.0f ? "W" : "") + (pca->random_rotation ? "R" : "") +
               std::to_string(pca->d_out);
    }
    FAISSLIKE_THROW_MSG(
            "reverse_index_factory: IndexPreTransform supports an OPQMatrix or a PCAMatrix only, as in Faiss "
            "(an OPQ rotation read from a file is a plain LinearTransform, and loses its factory name)");
}

} // namespace

std::string reverse_index_factory(const Index* index) {
    FAISSLIKE_THROW_IF_NOT_MSG(index, "reverse_index_factory: null index");
    if (dynamic_cast<const IndexFlat*>(index)) {
        return "Flat";
    }
    if (const auto* ivf_hnsw = dynamic_cast<const IndexIVFHNSW*>(index)) {
        FAISSLIKE_THROW_IF_NOT_MSG(ivf_hnsw->ivf, "reverse_index_factory: IndexIVFHNSW without an IVF index");
        std::string inner = reverse_index_factory(ivf_hnsw->ivf);
        size_t comma = inner.find(',');
        return inner.substr(0, comma) + ",HNSW" + std::to_string(ivf_hnsw->M) + "_" + inner.substr(comma + 1);
    }
    if (const auto* ivf = dynamic_cast<const IndexIVF*>(index)) {
        FAISSLIKE_THROW_IF_NOT_MSG(ivf->quantizer, "reverse_index_factory: IndexIVF without a quantizer");
        std::string prefix = "IVF" + std::to_string(ivf->nlist);
        if (const auto* hnsw = dynamic_cast<const IndexHNSW*>(ivf->quantizer)) {
            prefix += "_HNSW" + std::to_string(hnsw_factory_M(*hnsw));
        } else if (!dynamic_cast<const IndexFlat*>(ivf->quantizer)) {
            prefix += "(" + reverse_index_factory(ivf->quantizer) + ")";
        }
        if (dynamic_cast<const IndexIVFFlat*>(ivf)) {
            return prefix + ",Flat";
        }
        if (const auto* sq = dynamic_cast<const IndexIVFScalarQuantizer*>(ivf)) {
            return prefix + "," + sq_factory_name(sq->sq.qtype);
        }
        if (const auto* pq = dynamic_cast<const IndexIVFPQ*>(ivf)) {
            return prefix + "," + pq_factory_name(pq->pq);
        }
    } else if (const auto* pt = dynamic_cast<const IndexPreTransform*>(index)) {
        FAISSLIKE_THROW_IF_NOT_FMT(pt->chain.size() == 1 && pt->index,
                                   "reverse_index_factory: IndexPreTransform with %zu transforms: only one is "
                                   "supported, as in Faiss",
                                   pt->chain.size());
        return transform_factory_prefix(pt->chain[0]) + "," + reverse_index_factory(pt->index);
    } else if (const auto* hnsw = dynamic_cast<const IndexHNSW*>(index)) {
        // Flat storage is implied by "HNSW<M>" alone.
        std::string prefix = "HNSW" + std::to_string(hnsw_factory_M(*hnsw));
        if (!hnsw->storage || dynamic_cast<const IndexFlat*>(hnsw->storage)) {
            return prefix;
        }
        return prefix + "," + reverse_index_factory(hnsw->storage);
    } else if (const auto* refine = dynamic_cast<const IndexRefine*>(index)) {
        FAISSLIKE_THROW_IF_NOT_MSG(refine->base_index && refine->refine_index,
                                   "reverse_index_factory: IndexRefine without its indexes");
        return reverse_index_factory(refine->base_index) + ",Refine(" +
               reverse_index_factory(refine->refine_index) + ")";
    } else if (const auto* pq = dynamic_cast<const IndexPQ*>(index)) {
        return pq_factory_name(pq->pq);
    } else if (const auto* sq = dynamic_cast<const IndexScalarQuantizer*>(index)) {
        return sq_factory_name(sq->sq.qtype);
    } else if (const auto* idmap = dynamic_cast<const IndexIDMap*>(index)) {
        FAISSLIKE_THROW_IF_NOT_MSG(idmap->index, "reverse_index_factory: IndexIDMap without an index");
        return std::string(dynamic_cast<const IndexIDMap2*>(idmap) ? "IDMap2," : "IDMap,") +
               reverse_index_factory(idmap->index);
    }
    FAISSLIKE_THROW_FMT("reverse_index_factory: no factory string for an index of type %s",
                        index->index_name().c_str());
}

void register_index_factory_code(IndexFactoryCode code) {
    FAISSLIKE_THROW_IF_NOT_MSG(code.flat || code.ivf, "register_index_factory_code: no builder");
    std::regex check(code.pattern); // throws std::regex_error on a bad pattern, before registering
    auto& r = FactoryRegistry::get();
    std::lock_guard<std::mutex> lock(r.mutex);
    r.codes.push_back(std::move(code));
}

void register_index_factory_transform(IndexFactoryTransform transform) {
    FAISSLIKE_THROW_IF_NOT_MSG(transform.build, "register_index_factory_transform: no builder");
    std::regex check(transform.pattern);
    auto& r = FactoryRegistry::get();
    std::lock_guard<std::mutex> lock(r.mutex);
    r.transforms.push_back(std::move(transform));
}

} // namespace faisslike
