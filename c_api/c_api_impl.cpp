// The conversions declared in c_api_impl.h.

#include <cxxabi.h>

#include <cstdlib>
#include <cstring>
#include <string>

#include "c_api_impl.h"

namespace faisslike_c {

std::string class_name(const std::type_info& type) {
    int status = 0;
    char* demangled = abi::__cxa_demangle(type.name(), nullptr, nullptr, &status);
    std::string name = status == 0 && demangled ? demangled : type.name();
    std::free(demangled);
    auto colons = name.rfind("::");
    return colons == std::string::npos ? name : name.substr(colons + 2);
}

std::string with_article(const std::string& name) {
    bool vowel = !name.empty() && std::strchr("AEIOUaeiou", name[0]) != nullptr;
    return (vowel ? "an " : "a ") + name;
}

faisslike::MetricType to_metric(FaissMetricType metric) {
    switch (metric) {
        case METRIC_INNER_PRODUCT:
            return faisslike::METRIC_INNER_PRODUCT;
        case METRIC_L2:
            return faisslike::METRIC_L2;
        case METRIC_L1:
            return faisslike::METRIC_L1;
        case METRIC_Linf:
            return faisslike::METRIC_Linf;
        case METRIC_Lp:
            return faisslike::METRIC_Lp;
        default:
            throw ApiError{"metric " + std::to_string(int(metric)) +
                           " is not supported by faisslike (use METRIC_L2 or METRIC_INNER_PRODUCT)"};
    }
}

faisslike::ScalarQuantizer::QuantizerType to_qtype(FaissQuantizerType qtype) {
    if (int(qtype) < int(QT_8bit) || int(qtype) > int(QT_8bit_direct_signed)) {
        throw ApiError{"quantizer type " + std::to_string(int(qtype)) +
                       " is not supported by faisslike (QT_8bit .. QT_8bit_direct_signed are)"};
    }
    return static_cast<faisslike::ScalarQuantizer::QuantizerType>(int(qtype));
}

} // namespace faisslike_c
