#include <faisslike/index_factory.h>

#include <functional>
#include <memory>
#include <regex>
#include <string>
#include <vector>

#include <faisslike/IndexFlat.h>
#include <faisslike/IndexIDMap.h>
#include <faisslike/impl/FaisslikeException.h>

namespace faisslike {

namespace {

/// One accepted form of the main (innermost) index: a whole-token pattern and the
/// function that builds it from the regex groups. New families add rows here.
struct MainIndexForm {
    const char* pattern;
    const char* example;
    std::function<std::unique_ptr<Index>(int d, MetricType metric, const std::smatch& m)>
            build;
};

const std::vector<MainIndexForm>& main_index_forms() {
    static const std::vector<MainIndexForm> forms = {
            {"Flat", "Flat",
             [](int d, MetricType metric, const std::smatch&) {
                 return std::make_unique<IndexFlat>(d, metric);
             }},
    };
    return forms;
}

std::vector<std::string> split_commas(const std::string& s) {
    std::vector<std::string> parts;
    size_t start = 0;
    for (;;) {
        size_t comma = s.find(',', start);
        parts.push_back(s.substr(start, comma - start));
        if (comma == std::string::npos) {
            return parts;
        }
        start = comma + 1;
    }
}

std::string accepted_forms() {
    std::string list = "IDMap,<index>, IDMap2,<index>, <index>,IDMap, <index>,IDMap2 with <index> one of:";
    for (const auto& form : main_index_forms()) {
        list += " ";
        list += form.example;
    }
    return list;
}

[[noreturn]] void parse_error(const std::string& description, const std::string& part) {
    FAISSLIKE_THROW_FMT(
            "could not parse index string \"%s\": unexpected \"%s\" (accepted: %s)",
            description.c_str(),
            part.c_str(),
            accepted_forms().c_str());
}

std::unique_ptr<Index> build_main_index(
        int d,
        MetricType metric,
        const std::string& description,
        const std::string& token) {
    for (const auto& form : main_index_forms()) {
        std::smatch match;
        if (std::regex_match(token, match, std::regex(form.pattern))) {
            return form.build(d, metric, match);
        }
    }
    parse_error(description, token);
}

} // namespace

Index* index_factory(int d, const char* description_in, MetricType metric) {
    FAISSLIKE_THROW_IF_NOT_MSG(description_in, "index_factory: null description");
    FAISSLIKE_THROW_IF_NOT_FMT(d > 0, "index_factory: dimension %d must be > 0", d);
    std::string description(description_in);
    std::vector<std::string> parts = split_commas(description);

    // An IDMap / IDMap2 wrapper may be written first or last (both are Faiss syntax).
    std::string idmap;
    auto is_idmap = [](const std::string& p) { return p == "IDMap" || p == "IDMap2"; };
    if (parts.size() > 1 && is_idmap(parts.front())) {
        idmap = parts.front();
        parts.erase(parts.begin());
    } else if (parts.size() > 1 && is_idmap(parts.back())) {
        idmap = parts.back();
        parts.pop_back();
    }
    if (parts.size() != 1) {
        parse_error(description, parts.size() > 1 ? parts[1] : description);
    }
    std::unique_ptr<Index> index = build_main_index(d, metric, description, parts[0]);

    if (idmap.empty()) {
        return index.release();
    }
    std::unique_ptr<IndexIDMap> wrapper = idmap == "IDMap2"
            ? std::make_unique<IndexIDMap2>(index.get())
            : std::make_unique<IndexIDMap>(index.get());
    wrapper->own_fields = true;
    index.release();
    return wrapper.release();
}

} // namespace faisslike
