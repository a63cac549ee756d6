#pragma once

#include <cstdint>

#include <faisslike/Index.h>

namespace faisslike::tools {

/// Approximate bytes an index holds in memory for its vectors and ids (not the
/// small fixed-size parts). Each index family that keeps its data differently
/// gets its own case; unknown ones are assumed to store raw float vectors.
uint64_t index_memory_bytes(const Index& index);

} // namespace faisslike::tools
