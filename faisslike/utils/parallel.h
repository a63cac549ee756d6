#pragma once

// Exceptions must not escape an OpenMP region (the process would terminate):
// work items run through ParallelExceptions::run, and the first exception is
// rethrown on the calling thread once the region has ended.

#include <atomic>
#include <exception>
#include <mutex>

namespace faisslike {

class ParallelExceptions {
   public:
    template <class F>
    void run(F&& work) noexcept {
        if (failed()) {
            return; // skip remaining work once something failed
        }
        try {
            work();
        } catch (...) {
            std::lock_guard<std::mutex> lock(mutex_);
            if (!first_) {
                first_ = std::current_exception();
                failed_ = true;
            }
        }
    }

    bool failed() const { return failed_; }

    /// For long work items, between their steps: ends the item early once
    /// another has failed. (What it throws is dropped; the first exception
    /// is the one rethrown.)
    void stop_if_failed() const {
        if (failed()) {
            throw Stopped();
        }
    }

    void rethrow_if_failed() {
        if (first_) {
            std::rethrow_exception(first_);
        }
    }

   private:
    struct Stopped {};

    std::mutex mutex_;
    std::exception_ptr first_;
    std::atomic<bool> failed_{false};
};

} // namespace faisslike
