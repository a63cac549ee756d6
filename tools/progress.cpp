#include "progress.h"

#include <unistd.h>

#include <cstdio>

namespace faisslike::tools {

namespace {

using Clock = std::chrono::steady_clock;

// A terminal bar is redrawn at most this often; a log gets a line at most this often.
constexpr double kBarInterval = 0.1;
constexpr double kLineInterval = 10.0;
constexpr int kBarWidth = 30;

double seconds_between(Clock::time_point a, Clock::time_point b) {
    return std::chrono::duration<double>(b - a).count();
}

} // namespace

Progress::Progress(std::string label, size_t total, bool quiet)
    : label_(std::move(label)), total_(total), quiet_(quiet), tty_(isatty(STDERR_FILENO) == 1),
      start_(Clock::now()), last_draw_(start_) {}

Progress::~Progress() {
    // A step abandoned by an exception must not leave a half-drawn bar behind
    // the error message.
    if (!finished_) {
        clear_bar();
    }
}

double Progress::elapsed() const {
    return seconds_between(start_, Clock::now());
}

void Progress::update(size_t done) {
    if (quiet_ || total_ == 0) {
        return;
    }
    double since = seconds_between(last_draw_, Clock::now());
    if (since < (tty_ ? kBarInterval : kLineInterval)) {
        return;
    }
    draw(done);
}

void Progress::draw(size_t done) {
    last_draw_ = Clock::now();
    double frac = double(done) / double(total_);
    double t = elapsed();
    double eta = done > 0 ? t * (1 - frac) / frac : 0;
    if (tty_) {
        int filled = int(frac * kBarWidth);
        std::string bar(size_t(filled), '#');
        bar.append(size_t(kBarWidth - filled), '.');
        std::fprintf(
                stderr, "\r\033[K%s [%s] %3.0f%% %zu/%zu  %.1f s, ~%.0f s left", label_.c_str(),
                bar.c_str(), 100 * frac, done, total_, t, eta);
        bar_shown_ = true;
    } else {
        std::fprintf(
                stderr, "%s: %zu/%zu (%.0f%%) after %.1f s, ~%.0f s left\n", label_.c_str(), done,
                total_, 100 * frac, t, eta);
    }
    std::fflush(stderr);
}

void Progress::clear_bar() {
    if (bar_shown_) {
        std::fprintf(stderr, "\r\033[K");
        std::fflush(stderr);
        bar_shown_ = false;
    }
}

void Progress::finish(const std::string& summary) {
    finished_ = true;
    if (quiet_) {
        return;
    }
    clear_bar();
    std::fprintf(stderr, "%s: %s in %.3f s\n", label_.c_str(), summary.c_str(), elapsed());
    std::fflush(stderr);
}

void Progress::close() {
    finished_ = true;
    clear_bar();
}

} // namespace faisslike::tools
