#pragma once

// The subcommands of the `faisslike` program. Each takes the arguments after its
// name and returns the process exit code; usage mistakes throw UsageError and
// runtime failures throw FaisslikeException or another std::exception.

#include <string>
#include <vector>

namespace faisslike::tools {

int bench_command(const std::vector<std::string>& args);
int info_command(const std::vector<std::string>& args);

extern const char* const kBenchHelp;
extern const char* const kInfoHelp;

} // namespace faisslike::tools
