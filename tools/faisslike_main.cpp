// The `faisslike` command-line program: dispatches to the subcommands and turns
// every failure into a one-line message and an exit code (0 ok, 1 runtime
// error, 2 usage error).

#include <cstdio>
#include <exception>
#include <new>
#include <string>
#include <vector>

#include <faisslike/impl/FaisslikeException.h>

#include "cli_args.h"
#include "commands.h"

namespace {

using namespace faisslike::tools;

constexpr int kExitOk = 0;
constexpr int kExitError = 1;
constexpr int kExitUsage = 2;

const char* const kMainHelp = R"(usage: faisslike COMMAND [options]

Faiss-compatible vector search: benchmarks and file inspection.

commands:
  bench [INDEX_SPEC ...]   build, search and score indexes (default: Flat IDMap,Flat)
                           on vector files or generated data
  info FILE ...            what a vector file holds
  help [COMMAND]           this help, or a command's
options:
  --version                print the version
  -h, --help               this help

)";

int help_command(const std::vector<std::string>& args) {
    if (args.empty()) {
        // bench is the main job, so its options belong on the first page.
        std::fputs(kMainHelp, stdout);
        std::fputs(kBenchHelp, stdout);
    } else if (args[0] == "bench") {
        std::fputs(kBenchHelp, stdout);
    } else if (args[0] == "info") {
        std::fputs(kInfoHelp, stdout);
    } else {
        throw UsageError("no help for unknown command '" + args[0] + "'");
    }
    return kExitOk;
}

int dispatch(const std::string& command, const std::vector<std::string>& args) {
    if (command == "bench") {
        return bench_command(args);
    }
    if (command == "info") {
        return info_command(args);
    }
    if (command == "help" || command == "-h" || command == "--help") {
        return help_command(args);
    }
    if (command == "--version") {
        std::printf("faisslike %s\n", FAISSLIKE_VERSION_STRING);
        return kExitOk;
    }
    throw UsageError("unknown command '" + command + "'");
}

} // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fputs(kMainHelp, stderr);
        return kExitUsage;
    }
    std::string command = argv[1];
    std::vector<std::string> args(argv + 2, argv + argc);
    try {
        return dispatch(command, args);
    } catch (const UsageError& e) {
        std::fprintf(stderr, "faisslike: error: %s\n", e.what());
        std::fprintf(
                stderr, "Run 'faisslike help%s' for usage.\n",
                command == "bench" || command == "info" ? (" " + command).c_str() : "");
        return kExitUsage;
    } catch (const faisslike::FaisslikeException& e) {
        std::fprintf(stderr, "faisslike: error: %s\n", e.msg().c_str());
        return kExitError;
    } catch (const std::bad_alloc&) {
        std::fprintf(stderr, "faisslike: error: out of memory\n");
        return kExitError;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "faisslike: error: %s\n", e.what());
        return kExitError;
    }
}
