#pragma once

// Helpers shared by the end-to-end benchmark programs: wall-clock and CPU
// timers, and the "--key value" command line they all take.

#include <chrono>
#include <ctime>
#include <string>

#include <faisslike/impl/FaisslikeException.h>

namespace faisslike::bench {

inline double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

/// CPU seconds used by the process so far (all threads).
inline double cpu_seconds() {
    timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return double(t.tv_sec) + 1e-9 * double(t.tv_nsec);
}

/// Calls set(key, value) for each "--key value" pair; set returns false for
/// an unknown key, which throws.
template <class Set>
void parse_key_values(int argc, char** argv, Set&& set) {
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string key = argv[i], value = argv[i + 1];
        if (!set(key, value)) {
            throw FaisslikeException("unknown option " + key);
        }
    }
}

} // namespace faisslike::bench
