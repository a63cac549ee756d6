#pragma once

// Progress of a long step on stderr: a redrawn bar when stderr is a terminal,
// otherwise an occasional plain line, so logs stay readable. stdout is never
// touched (it carries the results).

#include <chrono>
#include <cstddef>
#include <string>

namespace faisslike::tools {

class Progress {
   public:
    /// `quiet` silences everything, including the closing summary line.
    Progress(std::string label, size_t total, bool quiet);
    ~Progress();
    Progress(const Progress&) = delete;
    Progress& operator=(const Progress&) = delete;

    /// Records that `done` of `total` units are finished.
    void update(size_t done);

    /// Ends the step with a summary line "<label>: <summary> in <seconds> s".
    void finish(const std::string& summary);

    /// Ends the step silently (the caller reports the result itself).
    void close();

    /// Seconds since the step started.
    double elapsed() const;

   private:
    void draw(size_t done);
    void clear_bar();

    std::string label_;
    size_t total_;
    bool quiet_;
    bool tty_;
    bool bar_shown_ = false;
    bool finished_ = false;
    std::chrono::steady_clock::time_point start_;
    std::chrono::steady_clock::time_point last_draw_;
};

} // namespace faisslike::tools
