// Faiss's ParameterSpace, reduced to what its C API reaches: named ranges of
// values, their combinations, and setting a parameter on an index by name.

#include "AutoTune_c.h"

#include <cstdio>
#include <cstring>
#include <list>
#include <sstream>
#include <string>
#include <vector>

#include <faisslike/IndexHNSW.h>
#include <faisslike/IndexIDMap.h>
#include <faisslike/IndexIVF.h>
#include <faisslike/IndexPreTransform.h>
#include <faisslike/IndexRefine.h>

#include "c_api_impl.h"

namespace faisslike_c {

struct ParameterRange {
    std::string name;
    std::vector<double> values;
};

struct ParameterSpace {
    /// A list, so that the ranges handed out stay where they are.
    std::list<ParameterRange> ranges;

    size_t n_combinations() const {
        size_t n = 1;
        for (const auto& range : ranges) {
            n *= range.values.size();
        }
        return n;
    }

    /// Calls f(name, value) for each parameter of combination cno.
    template <class F>
    void for_combination(size_t cno, F&& f) const {
        if (cno >= n_combinations()) {
            throw ApiError{"combination " + std::to_string(cno) + " is out of range [0, " +
                           std::to_string(n_combinations()) + ")"};
        }
        for (const auto& range : ranges) {
            size_t n = range.values.size();
            f(range.name, range.values[cno % n]);
            cno /= n;
        }
    }
};

namespace {

std::string format_value(double value) {
    char buf[64];
    std::snprintf(buf, sizeof(buf), "%g", value);
    return buf;
}

/// verbose on index and every index inside it.
void set_verbose(faisslike::Index* index, bool verbose) {
    if (!index) {
        return;
    }
    index->verbose = verbose;
    if (auto* idmap = dynamic_cast<faisslike::IndexIDMap*>(index)) {
        set_verbose(idmap->index, verbose);
    } else if (auto* pt = dynamic_cast<faisslike::IndexPreTransform*>(index)) {
        set_verbose(pt->index, verbose);
    } else if (auto* refine = dynamic_cast<faisslike::IndexRefine*>(index)) {
        set_verbose(refine->base_index, verbose);
        set_verbose(refine->refine_index, verbose);
    } else if (auto* ivf = dynamic_cast<faisslike::IndexIVF*>(index)) {
        set_verbose(ivf->quantizer, verbose);
    } else if (auto* hnsw = dynamic_cast<faisslike::IndexHNSW*>(index)) {
        set_verbose(hnsw->storage, verbose);
    }
}

/// Sets name = value on the index of the wrapper chain that has it; false
/// if none has.
bool set_parameter(faisslike::Index* index, const std::string& name, double value) {
    if (!index) {
        return false;
    }
    if (name == "verbose") {
        set_verbose(index, value != 0);
        return true;
    }
    if (auto* idmap = dynamic_cast<faisslike::IndexIDMap*>(index)) {
        return set_parameter(idmap->index, name, value);
    }
    if (auto* pt = dynamic_cast<faisslike::IndexPreTransform*>(index)) {
        return set_parameter(pt->index, name, value);
    }
    if (auto* refine = dynamic_cast<faisslike::IndexRefine*>(index)) {
        if (name == "k_factor_rf" || name == "k_factor") {
            refine->k_factor = float(value);
            return true;
        }
        return set_parameter(refine->base_index, name, value);
    }
    if (auto* ivf = dynamic_cast<faisslike::IndexIVF*>(index)) {
        const std::string prefix = "quantizer_";
        if ((name == "nprobe" || name == "max_codes") && value < 0) {
            throw ApiError{name + " = " + format_value(value) + " must be >= 0"};
        }
        if (name == "nprobe") {
            ivf->nprobe = size_t(value);
            return true;
        }
        if (name == "max_codes") {
            ivf->max_codes = size_t(value);
            return true;
        }
        if (name.compare(0, prefix.size(), prefix) == 0) {
            return set_parameter(ivf->quantizer, name.substr(prefix.size()), value);
        }
        return false;
    }
    if (auto* hnsw = dynamic_cast<faisslike::IndexHNSW*>(index)) {
        if (name == "efSearch") {
            hnsw->hnsw.efSearch = int(value);
            return true;
        }
    }
    return false;
}

} // namespace
} // namespace faisslike_c

using faisslike_c::ApiError;
using faisslike_c::get;
using faisslike_c::guarded;
using faisslike_c::ParameterRange;
using faisslike_c::ParameterSpace;

namespace {

void set_one(faisslike::Index& index, const std::string& name, double value) {
    if (!faisslike_c::set_parameter(&index, name, value)) {
        throw ApiError{"could not set parameter " + name + " on " +
                       faisslike_c::with_article(faisslike_c::class_name(typeid(index))) +
                       " (nor on any index it wraps)"};
    }
}

} // namespace

extern "C" {

const char* faiss_ParameterRange_name(const FaissParameterRange* range) {
    const ParameterRange* r = faisslike_c::as<const ParameterRange>(range);
    return r ? r->name.c_str() : nullptr;
}

void faiss_ParameterRange_values(FaissParameterRange* range, double** values, size_t* size) {
    ParameterRange* r = faisslike_c::as<ParameterRange>(range);
    if (values) {
        *values = r && !r->values.empty() ? r->values.data() : nullptr;
    }
    if (size) {
        *size = r ? r->values.size() : 0;
    }
}

FAISSLIKE_C_DESTRUCTOR(ParameterSpace)

int faiss_ParameterSpace_new(FaissParameterSpace** space) {
    return guarded(__func__, [&] {
        faisslike_c::put(space, std::make_unique<ParameterSpace>(), "space");
    });
}

size_t faiss_ParameterSpace_n_combinations(const FaissParameterSpace* space) {
    const ParameterSpace* s = faisslike_c::as<const ParameterSpace>(space);
    return s ? s->n_combinations() : 0;
}

int faiss_ParameterSpace_combination_name(
        const FaissParameterSpace* space,
        size_t cno,
        char* char_buffer,
        size_t size) {
    return guarded(__func__, [&] {
        const auto& s = get<const ParameterSpace>(space, "space");
        faisslike_c::require(char_buffer, "char_buffer");
        std::string name;
        s.for_combination(cno, [&](const std::string& param, double value) {
            name += (name.empty() ? "" : ",") + param + "=" + faisslike_c::format_value(value);
        });
        if (name.size() + 1 > size) {
            throw ApiError{"the combination name needs " + std::to_string(name.size() + 1) +
                           " bytes, the buffer has " + std::to_string(size)};
        }
        std::memcpy(char_buffer, name.c_str(), name.size() + 1);
    });
}

int faiss_ParameterSpace_set_index_parameters(
        const FaissParameterSpace* space,
        FaissIndex* index,
        const char* description) {
    return guarded(__func__, [&] {
        get<const ParameterSpace>(space, "space");
        auto& ix = get<faisslike::Index>(index, "index");
        faisslike_c::require(description, "description");
        std::istringstream in(description);
        std::string item;
        while (std::getline(in, item, ',')) {
            if (item.empty()) {
                continue;
            }
            size_t eq = item.find('=');
            char* end = nullptr;
            double value = eq == std::string::npos ? 0 : std::strtod(item.c_str() + eq + 1, &end);
            if (eq == std::string::npos || eq == 0 || end == item.c_str() + eq + 1 || *end != 0) {
                throw ApiError{"could not parse \"" + item + "\": expected name=value"};
            }
            set_one(ix, item.substr(0, eq), value);
        }
    });
}

int faiss_ParameterSpace_set_index_parameters_cno(
        const FaissParameterSpace* space,
        FaissIndex* index,
        size_t cno) {
    return guarded(__func__, [&] {
        const auto& s = get<const ParameterSpace>(space, "space");
        auto& ix = get<faisslike::Index>(index, "index");
        s.for_combination(cno, [&](const std::string& name, double value) {
            set_one(ix, name, value);
        });
    });
}

int faiss_ParameterSpace_set_index_parameter(
        const FaissParameterSpace* space,
        FaissIndex* index,
        const char* name,
        double value) {
    return guarded(__func__, [&] {
        get<const ParameterSpace>(space, "space");
        auto& ix = get<faisslike::Index>(index, "index");
        faisslike_c::require(name, "name");
        set_one(ix, name, value);
    });
}

void faiss_ParameterSpace_display(const FaissParameterSpace* space) {
    const ParameterSpace* s = faisslike_c::as<const ParameterSpace>(space);
    if (!s) {
        return;
    }
    std::printf("ParameterSpace: %zu parameters, %zu combinations\n", s->ranges.size(),
                s->n_combinations());
    for (const auto& range : s->ranges) {
        std::printf("  %s:", range.name.c_str());
        for (double value : range.values) {
            std::printf(" %g", value);
        }
        std::printf("\n");
    }
}

int faiss_ParameterSpace_add_range(
        FaissParameterSpace* space,
        const char* name,
        FaissParameterRange** p_range) {
    return guarded(__func__, [&] {
        auto& s = get<ParameterSpace>(space, "space");
        faisslike_c::require(name, "name");
        faisslike_c::require(p_range, "p_range");
        for (auto& range : s.ranges) {
            if (range.name == name) {
                *p_range = faisslike_c::handle<FaissParameterRange>(&range);
                return;
            }
        }
        s.ranges.push_back(ParameterRange{name, {}});
        *p_range = faisslike_c::handle<FaissParameterRange>(&s.ranges.back());
    });
}

} // extern "C"
