#pragma once

// A readable outline of an index: its type and parameters, and those of the
// indexes and transforms inside it (what `faisslike info FILE` prints).

#include <string>

#include <faisslike/Index.h>

namespace faisslike::tools {

std::string describe_index(const Index& index);

} // namespace faisslike::tools
