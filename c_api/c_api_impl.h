#pragma once

// Shared by the C API sources (not installed): how handles map to C++
// objects, and the wrapper that turns every C++ exception into an error code.
//
// A handle is the address of the object's root class (faisslike::Index for
// every FaissIndex*, faisslike::IDSelector for every selector handle, ...),
// reinterpreted. Subclass handles are the same address, so a C caller may
// cast between them as Faiss's C API allows; this layer reaches the
// subclass with dynamic_cast, which also catches a handle of the wrong class.

#include <memory>
#include <new>
#include <string>
#include <type_traits>
#include <typeinfo>

#include <faisslike/Clustering.h>
#include <faisslike/Index.h>
#include <faisslike/VectorTransform.h>
#include <faisslike/impl/FaisslikeException.h>
#include <faisslike/impl/IDSelector.h>
#include <faisslike/impl/ProductQuantizer.h>
#include <faisslike/impl/RangeSearchResult.h>
#include <faisslike/impl/ScalarQuantizer.h>
#include <faisslike/impl/io.h>

#include "AutoTune_c.h"
#include "Clustering_c.h"
#include "IndexPQ_c.h"
#include "IndexScalarQuantizer_c.h"
#include "Index_c.h"
#include "VectorTransform_c.h"
#include "error_c.h"
#include "impl/AuxIndexStructures_c.h"
#include "impl/io_c.h"

namespace faisslike_c {

struct ParameterSpace;
struct ParameterRange;

/// The C++ class behind each handle type.
template <class H>
struct Root;

#define FAISSLIKE_C_ROOT(handle, cls) \
    template <>                       \
    struct Root<handle> {             \
        using type = cls;             \
    };

FAISSLIKE_C_ROOT(FaissIndex_H, faisslike::Index)
FAISSLIKE_C_ROOT(FaissSearchParameters_H, faisslike::SearchParameters)
FAISSLIKE_C_ROOT(FaissIDSelector_H, faisslike::IDSelector)
FAISSLIKE_C_ROOT(FaissIDSelectorRange_H, faisslike::IDSelector)
FAISSLIKE_C_ROOT(FaissIDSelectorBatch_H, faisslike::IDSelector)
FAISSLIKE_C_ROOT(FaissIDSelectorBitmap_H, faisslike::IDSelector)
FAISSLIKE_C_ROOT(FaissIDSelectorNot_H, faisslike::IDSelector)
FAISSLIKE_C_ROOT(FaissIDSelectorAnd_H, faisslike::IDSelector)
FAISSLIKE_C_ROOT(FaissIDSelectorOr_H, faisslike::IDSelector)
FAISSLIKE_C_ROOT(FaissIDSelectorXOr_H, faisslike::IDSelector)
FAISSLIKE_C_ROOT(FaissRangeSearchResult_H, faisslike::RangeSearchResult)
FAISSLIKE_C_ROOT(FaissVectorTransform_H, faisslike::VectorTransform)
FAISSLIKE_C_ROOT(FaissClustering_H, faisslike::Clustering)
FAISSLIKE_C_ROOT(FaissClusteringIterationStats_H, faisslike::ClusteringIterationStats)
FAISSLIKE_C_ROOT(FaissScalarQuantizer_H, faisslike::ScalarQuantizer)
FAISSLIKE_C_ROOT(FaissProductQuantizer_H, faisslike::ProductQuantizer)
FAISSLIKE_C_ROOT(FaissIOReader_H, faisslike::IOReader)
FAISSLIKE_C_ROOT(FaissIOWriter_H, faisslike::IOWriter)
FAISSLIKE_C_ROOT(FaissCustomIOReader_H, faisslike::IOReader)
FAISSLIKE_C_ROOT(FaissCustomIOWriter_H, faisslike::IOWriter)
FAISSLIKE_C_ROOT(FaissParameterSpace_H, ParameterSpace)
FAISSLIKE_C_ROOT(FaissParameterRange_H, ParameterRange)

#undef FAISSLIKE_C_ROOT

template <class H>
using root_t = typename Root<std::remove_const_t<H>>::type;

/// The root object behind a handle (const when the handle is).
template <class H>
auto* root(H* h) {
    using R = std::conditional_t<std::is_const_v<H>, const root_t<H>, root_t<H>>;
    return reinterpret_cast<R*>(h);
}

/// The handle of an object (nullptr stays nullptr).
template <class H, class T>
H* handle(T* obj) {
    return reinterpret_cast<H*>(static_cast<root_t<H>*>(obj));
}

template <class H, class T>
const H* handle(const T* obj) {
    return reinterpret_cast<const H*>(static_cast<const root_t<H>*>(obj));
}

/// The object of class T behind h, or nullptr when h is NULL or of another class.
template <class T, class H>
T* as(H* h) {
    auto* r = root(h);
    if constexpr (std::is_same_v<std::remove_const_t<T>, root_t<H>>) {
        return r;
    } else {
        return r ? dynamic_cast<T*>(r) : nullptr;
    }
}

/// An error found by this layer (a NULL or mistyped handle, an enum value
/// the library lacks): guarded() reports it as FAISS_EXCEPT, naming the C
/// function.
struct ApiError {
    std::string message;
};

/// The unqualified class name of a type ("IndexIVFFlat").
std::string class_name(const std::type_info& type);

/// "an IndexFlat", "a VectorTransform".
std::string with_article(const std::string& name);

/// Records the message of a failure on the calling thread; returns code.
int record_error(int code, const char* message) noexcept;
/// The same with the message "Error in <function>: <message>".
int record_error(int code, const char* function, const char* message) noexcept;

/// *as<T>(h), or an ApiError naming the argument and what it really is.
template <class T, class H>
T& get(H* h, const char* arg) {
    if (T* obj = as<T>(h)) {
        return *obj;
    }
    if (!h) {
        throw ApiError{std::string(arg) + " is NULL"};
    }
    throw ApiError{std::string(arg) + " is " + with_article(class_name(typeid(*root(h)))) +
                   ", not " + with_article(class_name(typeid(T)))};
}

/// Throws unless p is non-null (arrays and output pointers).
inline void require(const void* p, const char* arg) {
    if (!p) {
        throw ApiError{std::string(arg) + " is NULL"};
    }
}

/// Hands a new object to the caller through *out.
template <class H, class T>
void put(H** out, std::unique_ptr<T> obj, const char* arg) {
    require(out, arg);
    *out = handle<H>(obj.release());
}

/// faisslike's metric for a FaissMetricType, or an ApiError for the metrics
/// it does not have.
faisslike::MetricType to_metric(FaissMetricType metric);

/// faisslike's scalar quantizer type, or an ApiError for the types it lacks.
faisslike::ScalarQuantizer::QuantizerType to_qtype(FaissQuantizerType qtype);

/// Runs body and returns 0, or the error code of what it threw, having
/// recorded the message; nothing escapes.
template <class F>
int guarded(const char* function, F&& body) noexcept {
    try {
        body();
        return OK;
    } catch (const ApiError& e) {
        return record_error(FAISS_EXCEPT, function, e.message.c_str());
    } catch (const faisslike::FaisslikeException& e) {
        return record_error(FAISS_EXCEPT, e.what());
    } catch (const std::bad_alloc&) {
        return record_error(STD_EXCEPT, function, "out of memory (std::bad_alloc)");
    } catch (const std::exception& e) {
        return record_error(STD_EXCEPT, e.what());
    } catch (...) {
        return record_error(UNKNOWN_EXCEPT, function, "unknown exception");
    }
}

/// For functions without an error code (void, or returning a value):
/// body's result, or fallback once the error is recorded.
template <class R, class F>
R quiet(const char* function, R fallback, F&& body) noexcept {
    R result = fallback;
    guarded(function, [&] { result = body(); });
    return result;
}

template <class F>
void quiet_void(const char* function, F&& body) noexcept {
    guarded(function, body);
}

} // namespace faisslike_c

// Field accessors in Faiss's naming: a getter returns zero for a NULL handle
// or one of another class, and a setter then does nothing, since neither has
// an error code to report it with.
#define FAISSLIKE_C_GETTER(clazz, cls, ty, name, member)                   \
    ty faiss_##clazz##_##name(const Faiss##clazz* obj) {                   \
        const cls* o = faisslike_c::as<const cls>(obj);                    \
        return o ? static_cast<ty>(o->member) : static_cast<ty>(0);       \
    }

#define FAISSLIKE_C_SETTER(clazz, cls, ty, name, member)                   \
    void faiss_##clazz##_set_##name(Faiss##clazz* obj, ty value) {         \
        if (cls* o = faisslike_c::as<cls>(obj)) {                          \
            o->member = static_cast<decltype(o->member)>(value);           \
        }                                                                  \
    }

#define FAISSLIKE_C_GETTER_SETTER(clazz, cls, ty, name, member) \
    FAISSLIKE_C_GETTER(clazz, cls, ty, name, member)            \
    FAISSLIKE_C_SETTER(clazz, cls, ty, name, member)

#define FAISSLIKE_C_DESTRUCTOR(clazz)                  \
    void faiss_##clazz##_free(Faiss##clazz* obj) {     \
        delete faisslike_c::root(obj);                 \
    }

#define FAISSLIKE_C_INDEX_DOWNCAST(clazz, cls)                                  \
    Faiss##clazz* faiss_##clazz##_cast(FaissIndex* index) {                     \
        return faisslike_c::handle<Faiss##clazz>(faisslike_c::as<cls>(index));  \
    }

#define FAISSLIKE_C_SEARCH_PARAMETERS_DOWNCAST(clazz, cls)                      \
    Faiss##clazz* faiss_##clazz##_cast(FaissSearchParameters* sp) {             \
        return faisslike_c::handle<Faiss##clazz>(faisslike_c::as<cls>(sp));     \
    }
