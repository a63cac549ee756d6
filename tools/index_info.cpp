#include "index_info.h"

#include <algorithm>
#include <cstdio>
#include <sstream>

#include <faisslike/IndexFlat.h>
#include <faisslike/IndexIDMap.h>
#include <faisslike/IndexIVF.h>
#include <faisslike/IndexPreTransform.h>
#include <faisslike/IndexRefine.h>
#include <faisslike/VectorTransform.h>

namespace faisslike::tools {

namespace {

const char* direct_map_name(DirectMap::Type type) {
    switch (type) {
        case DirectMap::NoMap:
            return "none";
        case DirectMap::Array:
            return "array";
        case DirectMap::Hashtable:
            return "hashtable";
    }
    return "unknown";
}

std::string transform_name(const VectorTransform& vt) {
    std::string name = typeid(vt).name();
    if (dynamic_cast<const PCAMatrix*>(&vt)) {
        const auto& pca = static_cast<const PCAMatrix&>(vt);
        name = "PCAMatrix";
        if (pca.eigen_power != 0) {
            name += " (eigen_power " + std::to_string(pca.eigen_power) + ")";
        }
        if (pca.random_rotation) {
            name += " + random rotation";
        }
    } else if (dynamic_cast<const RandomRotationMatrix*>(&vt)) {
        name = "RandomRotationMatrix";
    } else if (dynamic_cast<const NormalizationTransform*>(&vt)) {
        name = "NormalizationTransform (L2)";
    } else if (dynamic_cast<const CenteringTransform*>(&vt)) {
        name = "CenteringTransform";
    } else if (dynamic_cast<const LinearTransform*>(&vt)) {
        name = "LinearTransform";
    }
    return name;
}

void describe(const Index& index, const std::string& role, int depth, std::ostringstream& out) {
    std::string pad(2 * depth, ' ');
    out << pad << (role.empty() ? "" : role + ": ") << index.index_name() << "  d=" << index.d
        << " ntotal=" << index.ntotal << " metric=" << metric_name(index.metric_type)
        << (index.is_trained ? "" : " (not trained)") << "\n";
    pad += "  ";
    if (const auto* idmap = dynamic_cast<const IndexIDMap*>(&index)) {
        if (!idmap->id_map.empty()) {
            auto [lo, hi] = std::minmax_element(idmap->id_map.begin(), idmap->id_map.end());
            out << pad << "ids: " << idmap->id_map.size() << " in [" << *lo << ", " << *hi << "]\n";
        }
        if (idmap->index) {
            describe(*idmap->index, "wraps", depth + 1, out);
        }
    } else if (const auto* pre = dynamic_cast<const IndexPreTransform*>(&index)) {
        for (size_t i = 0; i < pre->chain.size(); i++) {
            const auto* t = pre->chain[i];
            out << pad << "transform " << i << ": " << transform_name(*t) << "  " << t->d_in << " -> "
                << t->d_out << (t->is_trained ? "" : " (not trained)") << "\n";
        }
        if (pre->index) {
            describe(*pre->index, "then", depth + 1, out);
        }
    } else if (const auto* refine = dynamic_cast<const IndexRefine*>(&index)) {
        out << pad << "k_factor: " << refine->k_factor << "\n";
        if (refine->base_index) {
            describe(*refine->base_index, "base", depth + 1, out);
        }
        if (refine->refine_index) {
            describe(*refine->refine_index, "refine", depth + 1, out);
        }
    } else if (const auto* ivf = dynamic_cast<const IndexIVF*>(&index)) {
        out << pad << "nlist=" << ivf->nlist << " nprobe=" << ivf->nprobe << " code_size=" << ivf->code_size
            << " by_residual=" << (ivf->by_residual ? "true" : "false")
            << " direct_map=" << direct_map_name(ivf->direct_map.type) << "\n";
        if (ivf->invlists) {
            size_t non_empty = 0, largest = 0;
            for (size_t l = 0; l < ivf->invlists->nlist; l++) {
                size_t s = ivf->invlists->list_size(l);
                non_empty += s > 0;
                largest = std::max(largest, s);
            }
            char buf[160];
            std::snprintf(buf, sizeof(buf), "lists: %zu of %zu non-empty, largest %zu, imbalance %.3f",
                          non_empty, ivf->invlists->nlist, largest, ivf->invlists->imbalance_factor());
            out << pad << buf << "\n";
        }
        if (ivf->quantizer) {
            describe(*ivf->quantizer, "quantizer", depth + 1, out);
        }
    } else if (const auto* codes = dynamic_cast<const IndexFlatCodes*>(&index)) {
        out << pad << "code_size=" << codes->code_size << " bytes per vector\n";
    }
}

} // namespace

std::string describe_index(const Index& index) {
    std::ostringstream out;
    describe(index, "", 0, out);
    return out.str();
}

} // namespace faisslike::tools
