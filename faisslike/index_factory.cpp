#include <faisslike/index_factory.h>

#include <functional>
#include <memory>
#include <regex>
#include <string>
#include <vector>

#include <faisslike/IndexFlat.h>
#include <faisslike/IndexIDMap.h>
#include <faisslike/IndexIVFFlat.h>
#include <faisslike/IndexPreTransform.h>
#include <faisslike/IndexRefine.h>
#include <faisslike/VectorTransform.h>
#include <faisslike/impl/FaisslikeException.h>

namespace faisslike {

namespace {

// The grammar, as in Faiss: comma-separated components,
//   [IDMap|IDMap2,] [transform,]* main [,RFlat|,Refine(sub)] [,IDMap|,IDMap2]
// where main is a code ("Flat", ...) or "IVF<nlist>,<code>". Each table below is
// one kind of component; later index families add rows.

using Match = std::smatch;

/// A code: how vectors are stored, standalone (flat) or inside IVF lists.
struct CodeForm {
    const char* pattern;
    const char* example;
    std::function<std::unique_ptr<Index>(int d, MetricType, const Match&)> flat;
    std::function<std::unique_ptr<IndexIVF>(Index* quantizer, int d, size_t nlist, MetricType,
                                            const Match&)>
            ivf;
};

const std::vector<CodeForm>& code_forms() {
    static const std::vector<CodeForm> forms = {
            {"Flat", "Flat",
             [](int d, MetricType metric, const Match&) {
                 return std::make_unique<IndexFlat>(d, metric);
             },
             [](Index* q, int d, size_t nlist, MetricType metric, const Match&) {
                 return std::make_unique<IndexIVFFlat>(q, d, nlist, metric);
             }},
    };
    return forms;
}

/// A pre-transform; `d` is updated to the transform's output dimension.
struct TransformForm {
    const char* pattern;
    const char* example;
    std::function<std::unique_ptr<VectorTransform>(int& d, const Match&)> build;
};

int parse_dim(const Match& m, size_t group, int d_default) {
    return m[group].matched && m[group].length() > 0 ? std::stoi(m[group].str()) : d_default;
}

const std::vector<TransformForm>& transform_forms() {
    static const std::vector<TransformForm> forms = {
            {"PCA(W?)(R?)([0-9]+)", "PCA64, PCAW64, PCAR64, PCAWR64",
             [](int& d, const Match& m) {
                 int d_out = parse_dim(m, 3, d);
                 auto t = std::make_unique<PCAMatrix>(d, d_out, m[1].length() ? -0.5f : 0.0f,
                                                      m[2].length() > 0);
                 d = d_out;
                 return std::unique_ptr<VectorTransform>(std::move(t));
             }},
            {"RR([0-9]+)", "RR64",
             [](int& d, const Match& m) {
                 int d_out = parse_dim(m, 1, d);
                 auto t = std::make_unique<RandomRotationMatrix>(d, d_out);
                 t->is_trained = false; // drawn at train time, as in Faiss
                 d = d_out;
                 return std::unique_ptr<VectorTransform>(std::move(t));
             }},
            {"L2[nN]orm", "L2norm",
             [](int& d, const Match&) {
                 return std::unique_ptr<VectorTransform>(std::make_unique<NormalizationTransform>(d));
             }},
    };
    return forms;
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

std::string accepted_forms() {
    std::string list = "[IDMap,|IDMap2,] [transform,]* (<code> | IVF<n>,<code>) [,RFlat|,Refine(<index>)]"
                       " with transform one of:";
    for (const auto& t : transform_forms()) {
        list += std::string(" ") + t.example;
    }
    list += "; code one of:";
    for (const auto& c : code_forms()) {
        list += std::string(" ") + c.example;
    }
    return list;
}

[[noreturn]] void parse_error(const std::string& description, const std::string& part) {
    FAISSLIKE_THROW_FMT("could not parse index string \"%s\": unexpected \"%s\" (accepted: %s)",
                        description.c_str(), part.c_str(), accepted_forms().c_str());
}

const CodeForm* find_code(const std::string& token, Match& match) {
    for (const auto& form : code_forms()) {
        if (std::regex_match(token, match, std::regex(form.pattern))) {
            return &form;
        }
    }
    return nullptr;
}

/// "IVF1024", "IVF64k", "IVF1M": the number of lists.
bool parse_ivf(const std::string& token, size_t& nlist) {
    static const std::regex ivf("IVF([0-9]+)([kM]?)");
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
    return true;
}

std::unique_ptr<Index> parse_main(int d, MetricType metric, std::vector<std::string> parts,
                                  const std::string& description) {
    Match match;
    size_t nlist = 0;
    if (parts.size() == 1) {
        const CodeForm* code = find_code(parts[0], match);
        if (!code) {
            parse_error(description, parts[0]);
        }
        return code->flat(d, metric, match);
    }
    if (parts.size() == 2 && parse_ivf(parts[0], nlist)) {
        const CodeForm* code = find_code(parts[1], match);
        if (!code) {
            parse_error(description, parts[1]);
        }
        FAISSLIKE_THROW_IF_NOT_FMT(nlist > 0, "could not parse index string \"%s\": nlist must be > 0",
                                   description.c_str());
        auto quantizer = std::make_unique<IndexFlat>(d, metric);
        auto ivf = code->ivf(quantizer.get(), d, nlist, metric, match);
        ivf->own_fields = true;
        quantizer.release();
        return ivf;
    }
    parse_error(description, parts.size() > 1 ? parts[parts.size() > 2 ? 2 : 1] : description);
}

std::unique_ptr<Index> parse_index(int d, MetricType metric, std::vector<std::string> parts,
                                   const std::string& description) {
    FAISSLIKE_THROW_IF_NOT_FMT(!parts.empty() && !parts[0].empty(),
                               "could not parse index string \"%s\": empty component", description.c_str());
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
                parse_error(description, p);
            }
        }
        auto sub = parse_index(d, metric, parts, description);
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
        auto base = parse_index(d, metric, parts, description);
        std::unique_ptr<IndexRefine> wrapper;
        if (last == "RFlat") {
            wrapper = std::make_unique<IndexRefineFlat>(base.get());
        } else {
            std::string inner = last.substr(7, last.size() - 8);
            auto refine_index = parse_index(d, metric, split_components(inner, description), description);
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
        const TransformForm* found = nullptr;
        for (const auto& t : transform_forms()) {
            if (std::regex_match(parts[0], m, std::regex(t.pattern))) {
                found = &t;
                break;
            }
        }
        if (!found) {
            break;
        }
        transforms.push_back(found->build(d_cur, m));
        parts.erase(parts.begin());
    }
    auto index = parse_main(d_cur, metric, parts, description);
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
    std::string description(description_in);
    return parse_index(d, metric, split_components(description, description), description).release();
}

} // namespace faisslike
