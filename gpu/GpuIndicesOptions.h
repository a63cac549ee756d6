#pragma once

namespace faisslike {
namespace gpu {

/// How an IVF index stores the user ids of its entries (Faiss's values).
/// Only INDICES_64_BIT (ids kept on the device as int64) is implemented.
enum IndicesOptions {
    INDICES_CPU = 0,
    INDICES_IVF = 1,
    INDICES_32_BIT = 2,
    INDICES_64_BIT = 3,
};

} // namespace gpu
} // namespace faisslike
